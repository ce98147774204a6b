{#
    Spec 3.2: every auction sale is revenue at its price, when it was sold. Grouping by the
    sale collapses exact duplicate sale and lead rows; every filter analysts put on the
    ledger (broker, sold_at, deal type, lead, sale) is on a grouping column, so it reaches
    the lead_sales scan.
#}

with

lead_sales as (

    select * from {{ ref('int_lead_sales_enriched') }}

),

sales as (

    select
        transaction_id,
        lead_id,
        mortgage_broker_id,
        deal_type,
        sale_price,
        sold_at,
        max(lead_type) as lead_type
    from lead_sales
    group by
        transaction_id,
        lead_id,
        mortgage_broker_id,
        deal_type,
        sale_price,
        sold_at

),

final as (

    select
        {{ ledger_row_columns(
            ledger_id="'lead_sale:' || transaction_id",
            deal_type='deal_type',
            event_type="'lead_sale'",
            source_id='transaction_id',
            lead_type='lead_type',
            lead_id='lead_id',
            mortgage_broker_id='mortgage_broker_id',
            event_at='sold_at',
            billed_amount='sale_price',
        ) }}
    from sales

)

select * from final
