{#
    The double-entry ledger balances, to the cent, no tolerance: every transaction, and the
    whole ledger. Returns each unbalanced transaction with its sums, and one row
    transaction_id = '(whole ledger)' with the totals when those differ, so the failure
    names both. The unbalanced transactions are the ones ledger_unbalanced_transactions
    lists (the view an alert's reader opens first), read from it so that the rule is written
    once: only finance's manual journals can be unbalanced, since every ledger transaction is
    posted by a rule whose lines balance by construction (int_ledger_rows_posted, tested line
    by line by its unit test). The whole ledger is summed once without grouping its lines by
    transaction. The nightly job alerts on this test's failure.
#}

{{ run_after_balance_reports() }}

with

unbalanced_transactions as (

    select * from {{ ref('ledger_unbalanced_transactions') }}

),

entries as (

    select * from {{ ref('ledger_entries') }}

),

ledger_totals as (

    select
        '(whole ledger)' as transaction_id,
        cast(null as {{ dbt.type_string() }}) as source,
        coalesce(sum(debit), 0) as total_debits,
        coalesce(sum(credit), 0) as total_credits
    from entries

),

unbalanced as (

    select
        transaction_id,
        source,
        total_debits,
        total_credits
    from unbalanced_transactions
    union all
    select * from ledger_totals
    where total_debits <> total_credits

),

final as (

    select
        transaction_id,
        source,
        total_debits,
        total_credits,
        total_debits - total_credits as difference
    from unbalanced

)

select * from final
