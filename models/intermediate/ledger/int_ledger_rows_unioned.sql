{#
    Every revenue event of every rule, before the ledger start date is applied: the
    reconciliation tests read this, so that an item straddling the start date still nets out.

    Spec 3.5, refunds: a returned sale or billed call is refunded once, at its first
    `returned` report, for minus everything recognized for it (the sale price plus any
    conversion payout, or the call payout), so the item nets to zero. The refund is worked
    out here from the item's own ledger rows rather than from the sale, conversion and call
    models again: in a view, every model read twice is computed twice on every query.
#}

with

lead_deliveries as (

    select * from {{ ref('int_lead_deliveries_recognized') }}

),

lead_sales as (

    select * from {{ ref('int_lead_sales_recognized') }}

),

conversions as (

    select * from {{ ref('int_sale_conversions_recognized') }}

),

calls as (

    select * from {{ ref('int_calls_recognized') }}

),

dispositions as (

    select * from {{ ref('int_dispositions_rolled_up') }}

),

item_rows as (

    select
        'lead_sale' as item_type,
        *
    from lead_sales
    union all
    select
        'lead_sale' as item_type,
        *
    from conversions
    union all
    select
        'call' as item_type,
        *
    from calls

),

returned_items as (

    select
        item_type,
        item_id,
        first_returned_reported_at
    from dispositions
    where first_returned_reported_at is not null

),

refunded_items as (

    select
        item_rows.item_type,
        item_rows.source_id,
        item_rows.deal_type,
        item_rows.lead_type,
        item_rows.lead_id,
        item_rows.call_id,
        item_rows.mortgage_broker_id,
        item_rows.matched_lead_count,
        returned_items.first_returned_reported_at,
        sum(item_rows.billed_amount) as recognized_amount
    from item_rows
    inner join returned_items
        on
            item_rows.item_type = returned_items.item_type
            and item_rows.source_id = returned_items.item_id
    group by
        item_rows.item_type,
        item_rows.source_id,
        item_rows.deal_type,
        item_rows.lead_type,
        item_rows.lead_id,
        item_rows.call_id,
        item_rows.mortgage_broker_id,
        item_rows.matched_lead_count,
        returned_items.first_returned_reported_at

),

refunds as (

    select
        {{ ledger_row_columns(
            ledger_id="'refund:' || item_type || ':' || source_id",
            deal_type='deal_type',
            event_type="'refund'",
            source_id='source_id',
            lead_type='lead_type',
            lead_id='lead_id',
            call_id='call_id',
            mortgage_broker_id='mortgage_broker_id',
            event_at='first_returned_reported_at',
            billed_amount='-recognized_amount',
            matched_lead_count='matched_lead_count',
        ) }}
    from refunded_items

),

unioned as (

    select * from lead_deliveries
    union all
    select * from lead_sales
    union all
    select * from conversions
    union all
    select * from calls
    union all
    select * from refunds

),

final as (

    select * from unioned

)

select * from final
