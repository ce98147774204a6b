{#
    Every line of the double-entry ledger is well formed, checked in one read of the view:
      unknown_account  its account is in the chart of accounts (a typo in a manual journal);
      not_one_sided    its amount is on exactly one side: one of debit and credit is > 0
                       and the other is 0.
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

failures as (

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

)

select * from failures
