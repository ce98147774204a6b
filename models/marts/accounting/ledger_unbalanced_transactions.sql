{#
    Transactions whose debits and credits differ, exactly: the first thing to read after an
    alert. Only finance's manual journals can be unbalanced: every ledger transaction is
    posted by a rule whose lines balance by construction (int_ledger_rows_posted, tested
    line by line by its unit test). So only manual lines are grouped by transaction, and the
    filter on source drops the ledger's branch of ledger_entries before anything is computed;
    the whole ledger's totals still cover every line (ledger_balance_check).
#}

with

entries as (

    select * from {{ ref('ledger_entries') }}

),

manual_entries as (

    select * from entries
    where source = 'manual'

),

transaction_totals as (

    select
        transaction_id,
        min(source) as source,
        min(event_at) as event_at,
        count(*) as line_count,
        sum(debit) as total_debits,
        sum(credit) as total_credits
    from manual_entries
    group by transaction_id

),

final as (

    select
        transaction_id,
        source,
        event_at,
        line_count,
        cast(total_debits as {{ money_total_type() }}) as total_debits,
        cast(total_credits as {{ money_total_type() }}) as total_credits,
        cast(total_debits - total_credits as {{ money_total_type() }}) as difference
    from transaction_totals
    where total_debits <> total_credits

)

select * from final
