{# Spec 3.2: every auction sale is revenue at its price, when it was sold. #}

with

lead_sales as (

    select * from {{ ref('int_lead_sales_enriched') }}

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
    from lead_sales

)

select * from final
