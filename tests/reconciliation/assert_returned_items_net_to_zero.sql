{#
    A returned sale or billed call nets to zero across all its ledger rows (sale, conversion,
    call, refund), read before the ledger start date is applied so that an item sold before
    the start and returned after it still balances. Returns the items that do not.
#}

with

dispositions as (

    select * from {{ ref('stg_boberdoo__dispositions') }}

),

ledger_rows as (

    select * from {{ ref('int_ledger_rows_unioned') }}

),

returned_items as (

    select distinct
        case when transaction_id is not null then 'sale' else 'call' end as item_type,
        coalesce(transaction_id, call_id) as item_id
    from dispositions
    where disposition_status = 'returned'

),

item_totals as (

    select
        case when deal_type = 'cbm_call' then 'call' else 'sale' end as item_type,
        source_id as item_id,
        sum(billed_amount) as net_amount,
        sum(case when event_type = 'refund' then 1 else 0 end) as refund_count
    from ledger_rows
    where deal_type <> 'plain'
    group by 1, 2

),

compared as (

    select
        returned_items.item_type,
        returned_items.item_id,
        item_totals.net_amount,
        item_totals.refund_count
    from returned_items
    inner join item_totals
        on
            returned_items.item_type = item_totals.item_type
            and returned_items.item_id = item_totals.item_id

)

select * from compared
where net_amount <> 0 or refund_count <> 1
