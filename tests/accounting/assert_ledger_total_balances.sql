{#
    The whole ledger balances: total debits equal total credits exactly. Returns one row with
    both totals and the difference when they do not.
#}

{{ run_after_balance_reports() }}

with

entries as (

    select * from {{ ref('ledger_entries') }}

),

totals as (

    select
        coalesce(sum(debit), 0) as total_debits,
        coalesce(sum(credit), 0) as total_credits,
        coalesce(sum(debit), 0) - coalesce(sum(credit), 0) as difference
    from entries

)

select * from totals
where total_debits <> total_credits
