with

professional_deliveries as (

    select * from {{ ref('stg_billing__professional_lead_deliveries') }}

),

construction_deliveries as (

    select * from {{ ref('stg_billing__construction_lead_deliveries') }}

),

hard_money_deliveries as (

    select * from {{ ref('stg_billing__hard_money_lead_deliveries') }}

),

land_deliveries as (

    select * from {{ ref('stg_billing__land_lead_deliveries') }}

),

unioned as (

    select * from professional_deliveries
    union all
    select * from construction_deliveries
    union all
    select * from hard_money_deliveries
    union all
    select * from land_deliveries

),

final as (

    select * from unioned

)

select * from final
