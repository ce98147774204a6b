with

source as (

    select * from {{ source('boberdoo', 'lead_sales') }}

),

renamed as (

    select
        cast(transaction_id as {{ dbt.type_string() }}) as transaction_id,
        cast(lead_id as {{ dbt.type_string() }}) as lead_id,
        cast(buyer_id as bigint) as mortgage_broker_id,
        cast(deal_type as {{ dbt.type_string() }}) as deal_type,
        cast(price as numeric(12, 2)) as sale_price,
        cast(sold_at as timestamp) as sold_at
    from source

),

final as (

    select * from renamed

)

select * from final
