{#
    Spec 3.5: a returned sale or call is refunded once, at the first `returned` report, for
    everything recognized for it: the sale price plus any conversion payout, or the call
    payout. The item then nets to zero. A call that was never billed has nothing to refund.
#}

with

lead_sales as (

    select * from {{ ref('int_lead_sales_enriched') }}

),

conversions as (

    select * from {{ ref('int_sale_conversions_priced') }}

),

calls as (

    select * from {{ ref('int_calls_priced') }}

),

dispositions as (

    select * from {{ ref('int_dispositions_summarized') }}

),

returned_items as (

    select * from dispositions
    where first_returned_reported_at is not null

),

sale_refunds as (

    select
        {{ ledger_row_columns(
            ledger_id="'refund:lead_sale:' || lead_sales.transaction_id",
            deal_type='lead_sales.deal_type',
            event_type="'refund'",
            source_id='lead_sales.transaction_id',
            lead_type='lead_sales.lead_type',
            lead_id='lead_sales.lead_id',
            mortgage_broker_id='lead_sales.mortgage_broker_id',
            event_at='returned_items.first_returned_reported_at',
            billed_amount='-(lead_sales.sale_price + coalesce(conversions.payout_amount, 0))',
        ) }}
    from lead_sales
    inner join returned_items
        on
            returned_items.item_type = 'lead_sale'
            and lead_sales.transaction_id = returned_items.item_id
    left join conversions
        on lead_sales.transaction_id = conversions.transaction_id

),

call_refunds as (

    select
        {{ ledger_row_columns(
            ledger_id="'refund:call:' || calls.call_id",
            deal_type="'cbm_call'",
            event_type="'refund'",
            source_id='calls.call_id',
            lead_type='calls.lead_type',
            lead_id='calls.lead_id',
            call_id='calls.call_id',
            mortgage_broker_id='calls.mortgage_broker_id',
            event_at='returned_items.first_returned_reported_at',
            billed_amount='-calls.payout_amount',
            matched_lead_count='calls.matched_lead_count',
        ) }}
    from calls
    inner join returned_items
        on
            returned_items.item_type = 'call'
            and calls.call_id = returned_items.item_id
    where calls.is_billable

),

final as (

    select * from sale_refunds
    union all
    select * from call_refunds

)

select * from final
