{#
    The revenue ledger: one row per revenue event of every business unit, computed on read.
    Late data (a sale reported by a broker, a returned lead, a price change) is in it on
    the next query; nothing is deleted, re-inserted or reprocessed.
#}

with

ledger_rows as (

    select * from {{ ref('int_ledger_rows_unioned') }}

),

final as (

    select * from ledger_rows
    where event_at >= {{ ledger_start_at() }}

)

select * from final
