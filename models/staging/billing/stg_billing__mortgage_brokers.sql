with

source as (

    select * from {{ source('billing', 'mortgage_broker') }}

),

renamed as (

    select distinct
        cast(id as bigint) as mortgage_broker_id,
        cast(name as {{ dbt.type_string() }}) as broker_name,
        cast(created_at as timestamp) as created_at
    from source

),

final as (

    select * from renamed

)

select * from final
