{#
    Lead quality per broker and month the item was sold (a lead sale at sold_at, a billed call
    at started_at): how many items, the share whose current disposition is contacted, sold or
    returned (spec 3.6), and the revenue and refunds the ledger holds for them.
#}

with

lead_sales as (

    select * from {{ ref('int_lead_sales_enriched') }}

),

calls as (

    select * from {{ ref('int_calls_attributed') }}

),

dispositions as (

    select * from {{ ref('int_dispositions_summarized') }}

),

ledger as (

    select * from {{ ref('lead_sales_ledger') }}

),

brokers as (

    select * from {{ ref('stg_billing__mortgage_brokers') }}

),

sold_items as (

    select
        'lead_sale' as item_type,
        transaction_id as item_id,
        deal_type,
        mortgage_broker_id,
        sold_at as item_sold_at
    from lead_sales
    union all
    select
        'call' as item_type,
        call_id as item_id,
        'cbm_call' as deal_type,
        mortgage_broker_id,
        started_at as item_sold_at
    from calls
    where is_billable

),

item_revenue as (

    select
        case when deal_type = 'cbm_call' then 'call' else 'lead_sale' end as item_type,
        source_id as item_id,
        sum(case when event_type <> 'refund' then billed_amount else 0 end) as revenue_amount,
        sum(case when event_type = 'refund' then billed_amount else 0 end) as refund_amount
    from ledger
    where deal_type <> 'plain'
    group by 1, 2

),

items as (

    select
        sold_items.item_type,
        sold_items.deal_type,
        sold_items.mortgage_broker_id,
        cast({{ dbt.date_trunc('month', 'sold_items.item_sold_at') }} as date) as sold_month,
        dispositions.current_status,
        coalesce(item_revenue.revenue_amount, 0) as revenue_amount,
        coalesce(item_revenue.refund_amount, 0) as refund_amount
    from sold_items
    left join dispositions
        on
            sold_items.item_type = dispositions.item_type
            and sold_items.item_id = dispositions.item_id
    left join item_revenue
        on
            sold_items.item_type = item_revenue.item_type
            and sold_items.item_id = item_revenue.item_id

),

aggregated as (

    select
        mortgage_broker_id,
        sold_month,
        deal_type,
        count(*) as items_sold,
        sum(case when current_status is not null then 1 else 0 end) as items_with_feedback,
        sum(case when current_status = 'contacted' then 1 else 0 end) as items_contacted,
        sum(case when current_status = 'sold' then 1 else 0 end) as items_reported_sold,
        sum(case when current_status = 'returned' then 1 else 0 end) as items_returned,
        cast(sum(revenue_amount) as {{ money_total_type() }}) as revenue_amount,
        cast(sum(refund_amount) as {{ money_total_type() }}) as refund_amount
    from items
    group by 1, 2, 3

),

final as (

    select
        aggregated.mortgage_broker_id,
        brokers.broker_name,
        aggregated.sold_month,
        aggregated.deal_type,
        cast(aggregated.items_sold as bigint) as items_sold,
        cast(aggregated.items_with_feedback as bigint) as items_with_feedback,
        cast(aggregated.items_contacted * 1.0000 / aggregated.items_sold as numeric(5, 4))
            as contacted_share,
        cast(aggregated.items_reported_sold * 1.0000 / aggregated.items_sold as numeric(5, 4))
            as sold_share,
        cast(aggregated.items_returned * 1.0000 / aggregated.items_sold as numeric(5, 4))
            as returned_share,
        aggregated.revenue_amount,
        aggregated.refund_amount,
        cast(aggregated.revenue_amount + aggregated.refund_amount as {{ money_total_type() }})
            as net_revenue_amount
    from aggregated
    left join brokers
        on aggregated.mortgage_broker_id = brokers.mortgage_broker_id

)

select * from final
