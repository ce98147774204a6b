{#
    A lead cannot be sold before the platform created it. The sale still bills correctly (the
    lead only gives the ledger row its lead_type), so like a sale of an unknown lead this
    warns rather than stops the billing run, and lists the raw sale with its lead's creation.
#}

{{ config(severity='warn') }}

with

lead_sales as (

    select * from {{ ref('stg_boberdoo__lead_sales') }}

),

leads as (

    select * from {{ ref('stg_boberdoo__leads') }}

),

with_lead as (

    select
        lead_sales.transaction_id,
        lead_sales.lead_id,
        lead_sales.mortgage_broker_id as buyer_id,
        lead_sales.sold_at,
        leads.created_at as lead_created_at
    from lead_sales
    inner join leads
        on lead_sales.lead_id = leads.lead_id

),

sold_before_created as (

    select * from with_lead
    where sold_at < lead_created_at

)

select * from sold_before_created
