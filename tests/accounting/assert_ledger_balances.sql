{#
    The double-entry ledger balances, to the cent, no tolerance: every transaction, and the
    whole ledger. Returns each unbalanced transaction with its sums, and one row
    transaction_id = '(whole ledger)' with the totals when those differ, so the failure
    names both. Only finance's manual journals can be unbalanced transactions: every ledger
    transaction is posted by a rule whose lines balance by construction
    (int_ledger_rows_posted, tested line by line by its unit test). So the whole ledger is
    summed once without grouping its lines by transaction, and only manual lines are grouped
    (the filter on source drops the ledger's branch of their read). The nightly job alerts
    on this test's failure.
#}

{{ run_after_balance_reports() }}

with

entries as (

    select * from {{ ref('ledger_entries') }}

),

manual_lines as (

    select * from {{ ref('ledger_entries') }}

),

manual_transaction_totals as (

    select
        transaction_id,
        min(source) as source,
        sum(debit) as total_debits,
        sum(credit) as total_credits
    from manual_lines
    where source = 'manual'
    group by transaction_id

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

    select * from manual_transaction_totals
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
