with

source as (

    select * from {{ source('billing', 'mortgage_broker_subscription_plan') }}

),

renamed as (

    select distinct
        cast(id as bigint) as subscription_plan_id,
        cast(mortgage_broker_id as bigint) as mortgage_broker_id,
        cast(plan_name as {{ dbt.type_string() }}) as plan_name,
        cast(discount_percent as numeric(5, 2)) as discount_percent,
        cast(starts_at as timestamp) as starts_at,
        cast(ends_at as timestamp) as ends_at,
        cast(updated_at as timestamp) as updated_at
    from source

),

final as (

    select * from renamed

)

select * from final
