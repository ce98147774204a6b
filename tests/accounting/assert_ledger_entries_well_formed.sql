{#
    The double-entry ledger checked in one query, because each separate test computed the
    whole ledger again:
      unknown_account     a line's account is in the chart of accounts (a typo in a manual
                          journal);
      not_one_sided       a line's amount is on exactly one side: one of debit and credit is
                          > 0 and the other is 0;
      receivable_differs  accounts receivable, manual journals aside, equals the sum of
                          billed_amount in lead_sales_ledger: posting loses or invents no
                          revenue. Returned as one row on account 1100, its balance as debit,
                          the ledger's total in broken_rules.
      no_posting_rule     every event type of lead_sales_ledger has lines in the seed
                          ledger_posting_rules: the posting joins the rules, so a ledger row
                          of an event type without any would post nothing. One row per such
                          event type, named in broken_rules with its ledger row count.
    Returns each offending line whole, with the rules it breaks, so the failure names it.
#}
{{ run_after_balance_reports() }}

with

entries as (

    select * from {{ ref('ledger_entries') }}

),

chart_of_accounts as (

    select * from {{ ref('chart_of_accounts') }}

),

ledger as (

    select * from {{ ref('lead_sales_ledger') }}

),

posting_rules as (

    select * from {{ ref('ledger_posting_rules') }}

),

checked as (

    select
        entries.*,
        chart_of_accounts.account_code is null as is_unknown_account,
        (entries.debit <= 0 or entries.credit <> 0)
        and (entries.credit <= 0 or entries.debit <> 0) as is_not_one_sided
    from entries
    left join chart_of_accounts
        on entries.account_code = chart_of_accounts.account_code

),

malformed_lines as (

    select
        entry_id,
        transaction_id,
        account_code,
        debit,
        credit,
        source,
        case when is_unknown_account then 'unknown_account; ' else '' end
        || case when is_not_one_sided then 'not_one_sided; ' else '' end as broken_rules
    from checked
    where is_unknown_account or is_not_one_sided

),

receivable as (

    select coalesce(sum(debit) - sum(credit), 0) as receivable_balance
    from entries
    where account_code = '1100' and source = 'ledger'

),

ledger_event_types as (

    select
        event_type,
        count(*) as row_count,
        sum(billed_amount) as billed_amount
    from ledger
    group by event_type

),

billed as (

    select coalesce(sum(billed_amount), 0) as billed_total
    from ledger_event_types

),

ruled_event_types as (

    select distinct event_type
    from posting_rules

),

unposted_event_types as (

    select
        cast(null as {{ dbt.type_string() }}) as entry_id,
        cast(null as {{ dbt.type_string() }}) as transaction_id,
        cast(null as {{ dbt.type_string() }}) as account_code,
        cast(null as numeric(38, 2)) as debit,
        cast(null as numeric(38, 2)) as credit,
        cast('ledger' as {{ dbt.type_string() }}) as source,
        'no_posting_rule: event type ' || ledger_event_types.event_type || ' ('
        || cast(ledger_event_types.row_count as {{ dbt.type_string() }})
        || ' ledger rows) has no line in seeds/ledger_posting_rules.csv; ' as broken_rules
    from ledger_event_types
    left join ruled_event_types
        on ledger_event_types.event_type = ruled_event_types.event_type
    where ruled_event_types.event_type is null

),

receivable_mismatch as (

    select
        cast(null as {{ dbt.type_string() }}) as entry_id,
        cast(null as {{ dbt.type_string() }}) as transaction_id,
        cast('1100' as {{ dbt.type_string() }}) as account_code,
        receivable.receivable_balance as debit,
        cast(null as numeric(38, 2)) as credit,
        cast('ledger' as {{ dbt.type_string() }}) as source,
        'receivable_differs: lead_sales_ledger billed_amount total '
        || cast(billed.billed_total as {{ dbt.type_string() }}) || '; ' as broken_rules
    from receivable
    cross join billed
    where receivable.receivable_balance <> billed.billed_total

),

failures as (

    select * from malformed_lines
    union all
    select * from receivable_mismatch
    union all
    select * from unposted_event_types

)

select * from failures
