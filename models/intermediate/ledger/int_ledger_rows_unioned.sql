{#
    Every revenue event of every rule, before the ledger start date is applied: the
    reconciliation tests read this, so that an item straddling the start date still nets out.
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

refunds as (

    select * from {{ ref('int_refunds_recognized') }}

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
