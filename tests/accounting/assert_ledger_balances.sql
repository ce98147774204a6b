{#
    The double-entry ledger balances, to the cent, no tolerance: every transaction, and the
    whole ledger. Returns each unbalanced transaction with its sums, and one row
    transaction_id = '(whole ledger)' with the totals when those differ, so the failure
    names both. One read of ledger_entries for both checks: each read computes the whole
    ledger. The nightly job alerts on this test's failure.
#}

{{ run_after_balance_reports() }}

with

entries as (

    select * from {{ ref('ledger_entries') }}

),

transaction_totals as (

    select
        transaction_id,
        min(source) as source,
        sum(debit) as total_debits,
        sum(credit) as total_credits
    from entries
    group by transaction_id

),

ledger_totals as (

    select
        '(whole ledger)' as transaction_id,
        cast(null as {{ dbt.type_string() }}) as source,
        coalesce(sum(total_debits), 0) as total_debits,
        coalesce(sum(total_credits), 0) as total_credits
    from transaction_totals

),

unbalanced as (

    select * from transaction_totals
    where total_debits <> total_credits
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
