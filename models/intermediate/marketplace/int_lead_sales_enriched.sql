{#
    Lead sales with the boberdoo lead they sold, shared by the sale, conversion and refund rules.
#}

with

lead_sales as (

    select * from {{ ref('stg_boberdoo__lead_sales') }}

),

leads as (

    select * from {{ ref('stg_boberdoo__leads') }}

),

final as (

    select
        lead_sales.transaction_id,
        lead_sales.lead_id,
        leads.lead_type,
        lead_sales.mortgage_broker_id,
        lead_sales.deal_type,
        lead_sales.sale_price,
        lead_sales.sold_at
    from lead_sales
    left join leads
        on lead_sales.lead_id = leads.lead_id

)

select * from final
