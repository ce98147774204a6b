{#
    The balance report in one row (seed 002): total debits and credits, their exact
    difference, how many transactions do not balance and how many accounts they touch.
    Everything is worked out from one read of ledger_entries: reading the unbalanced
    transaction and account views as well would compute the whole ledger three times.
#}

with

entries as (

    select * from {{ ref('ledger_entries') }}

),

transaction_totals as (

    select
        transaction_id,
        sum(debit) as total_debits,
        sum(credit) as total_credits
    from entries
    group by transaction_id

),

totals as (

    select
        coalesce(sum(total_debits), 0) as total_debits,
        coalesce(sum(total_credits), 0) as total_credits,
        sum(case when total_debits <> total_credits then 1 else 0 end)
            as unbalanced_transaction_count
    from transaction_totals

),

unbalanced_transactions as (

    select transaction_id from transaction_totals
    where total_debits <> total_credits

),

accounts_count as (

    select count(distinct entries.account_code) as accounts_affected
    from entries
    inner join unbalanced_transactions
        on entries.transaction_id = unbalanced_transactions.transaction_id

),

final as (

    select
        cast(totals.total_debits as {{ money_total_type() }}) as total_debits,
        cast(totals.total_credits as {{ money_total_type() }}) as total_credits,
        cast(totals.total_debits - totals.total_credits as {{ money_total_type() }}) as difference,
        cast(coalesce(totals.unbalanced_transaction_count, 0) as bigint) as unbalanced_transaction_count,
        accounts_count.accounts_affected,
        (
            totals.total_debits = totals.total_credits
            and coalesce(totals.unbalanced_transaction_count, 0) = 0
        ) as is_balanced,
        cast({{ dbt.current_timestamp() }} as timestamp) as checked_at
    from totals
    cross join accounts_count

)

select * from final
