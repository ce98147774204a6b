{#
    Debits, credits and line count per account over every line of ledger_entries, for the
    balance reports, without making the lines: the ledger's rows are summed per event type
    first (a handful of rows), then posted by the same rules as int_ledger_rows_posted
    (seed ledger_posting_rules), and finance's manual lines are added as they are. Posting
    millions of rows into twice as many lines only to sum them again cost every read of
    account_balances and ledger_balance_check most of a ledger read. A line of amount 0 is
    no line (int_ledger_rows_posted leaves it out): it adds nothing to a sum and is not
    counted. The structural test int_ledger_totals_posted_match_the_lines holds this equal
    to ledger_entries summed per account.
#}

with

{{ ledger_posting_imports() }},

manual_journal_lines as (

    select * from {{ ref('stg_finance__manual_journal_lines') }}

),

by_event_type as (

    select
        event_type,
        sum(billed_amount) as billed_amount,
        sum(discount_amount) as discount_amount,
        sum(msrp) as msrp,
        sum(case when billed_amount <> 0 then 1 else 0 end) as billed_amount_line_count,
        sum(case when discount_amount <> 0 then 1 else 0 end) as discount_amount_line_count,
        sum(case when msrp <> 0 then 1 else 0 end) as msrp_line_count
    from ledger
    group by event_type

),

posted as (

    select
        posting_rules.account_code,
        posting_rules.side,
        {{ posting_rule_amount('by_event_type') }} as amount,
        {{ posting_rule_amount('by_event_type', line_counts=true) }} as line_count
    from by_event_type
    inner join posting_rules
        on by_event_type.event_type = posting_rules.event_type

),

ledger_lines as (

    select
        cast(account_code as {{ dbt.type_string() }}) as account_code,
        line_count,
        case when side = 'debit' then amount else 0 end as debit,
        case when side = 'credit' then amount else 0 end as credit
    from posted

),

all_lines as (

    select * from ledger_lines
    union all
    select
        account_code,
        1 as line_count,
        debit,
        credit
    from manual_journal_lines

),

final as (

    select
        account_code,
        cast(sum(line_count) as bigint) as entry_count,
        cast(sum(debit) as {{ money_total_type() }}) as total_debits,
        cast(sum(credit) as {{ money_total_type() }}) as total_credits
    from all_lines
    group by account_code

)

select * from final
