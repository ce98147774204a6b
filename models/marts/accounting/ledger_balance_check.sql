{#
    The balance report in one row (seed 002): total debits and credits over every line, their
    exact difference, how many transactions do not balance and how many accounts they touch.
    Only finance's manual journals can be unbalanced: every ledger transaction is posted by a
    rule whose lines balance by construction (int_ledger_rows_posted, tested line by line).
    So the whole ledger is read once, for its totals, without grouping its lines by
    transaction or even making them (int_ledger_totals_posted sums the ledger per event
    type before posting it), and only manual lines are grouped (the filter on source drops
    the ledger's branch of their read). Each CTE is read once: a CTE read twice is computed whole.
#}

with

account_totals as (

    select * from {{ ref('int_ledger_totals_posted') }}

),

unbalanced_transactions as (

    select * from {{ ref('ledger_unbalanced_transactions') }}

),

manual_lines as (

    select * from {{ ref('ledger_entries') }}

),

totals as (

    select
        coalesce(sum(total_debits), 0) as total_debits,
        coalesce(sum(total_credits), 0) as total_credits
    from account_totals

),

unbalanced_lines as (

    select manual_lines.account_code
    from manual_lines
    inner join unbalanced_transactions
        on manual_lines.transaction_id = unbalanced_transactions.transaction_id
    where manual_lines.source = 'manual'

),

transaction_count as (

    select count(*) as unbalanced_transaction_count
    from unbalanced_transactions

),

accounts_count as (

    select count(distinct account_code) as accounts_affected
    from unbalanced_lines

),

final as (

    select
        cast(totals.total_debits as {{ money_total_type() }}) as total_debits,
        cast(totals.total_credits as {{ money_total_type() }}) as total_credits,
        cast(totals.total_debits - totals.total_credits as {{ money_total_type() }}) as difference,
        cast(transaction_count.unbalanced_transaction_count as bigint) as unbalanced_transaction_count,
        accounts_count.accounts_affected,
        (
            totals.total_debits = totals.total_credits
            and transaction_count.unbalanced_transaction_count = 0
        ) as is_balanced,
        cast({{ dbt.current_timestamp() }} as timestamp) as checked_at
    from totals
    cross join transaction_count
    cross join accounts_count

)

select * from final
