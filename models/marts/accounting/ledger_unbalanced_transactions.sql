{# Transactions whose debits and credits differ, exactly: the first thing to read after an alert. #}

with

entries as (

    select * from {{ ref('ledger_entries') }}

),

transaction_totals as (

    select
        transaction_id,
        min(source) as source,
        min(event_at) as event_at,
        count(*) as line_count,
        sum(debit) as total_debits,
        sum(credit) as total_credits
    from entries
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
