with

source as (

    select * from {{ source('billing', 'mortgage_broker_subscription_plan') }}

),

renamed as (

    select distinct
        {{ staged_columns('billing', 'mortgage_broker_subscription_plan', renames={
            'id': 'subscription_plan_id',
        }) | indent(8) }}
    from source

),

final as (

    select * from renamed

)

select * from final
