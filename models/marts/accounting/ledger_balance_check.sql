{#
    The balance report in one row (seed 002): total debits and credits, their exact
    difference, how many transactions do not balance and how many accounts they touch.
#}

with

entries as (

    select * from {{ ref('ledger_entries') }}

),

unbalanced_transactions as (

    select * from {{ ref('ledger_unbalanced_transactions') }}

),

imbalance_accounts as (

    select * from {{ ref('ledger_imbalance_accounts') }}

),

totals as (

    select
        coalesce(sum(debit), 0) as total_debits,
        coalesce(sum(credit), 0) as total_credits
    from entries

),

unbalanced_count as (

    select count(*) as unbalanced_transaction_count
    from unbalanced_transactions

),

accounts_count as (

    select count(*) as accounts_affected
    from imbalance_accounts

),

final as (

    select
        cast(totals.total_debits as {{ money_total_type() }}) as total_debits,
        cast(totals.total_credits as {{ money_total_type() }}) as total_credits,
        cast(totals.total_debits - totals.total_credits as {{ money_total_type() }}) as difference,
        unbalanced_count.unbalanced_transaction_count,
        accounts_count.accounts_affected,
        (
            totals.total_debits = totals.total_credits
            and unbalanced_count.unbalanced_transaction_count = 0
        ) as is_balanced,
        cast({{ dbt.current_timestamp() }} as timestamp) as checked_at
    from totals
    cross join unbalanced_count
    cross join accounts_count

)

select * from final
