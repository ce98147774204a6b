{#
    Every transaction of the double-entry ledger balances, to the cent, no tolerance. Returns
    each unbalanced transaction with its sums, so the failure names it. The nightly job
    alerts on this test's failure.
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
        sum(credit) as total_credits,
        sum(debit) - sum(credit) as difference
    from entries
    group by transaction_id

)

select * from transaction_totals
where total_debits <> total_credits
