with

source as (

    select * from {{ source('billing', 'product') }}

),

renamed as (

    select distinct
        cast(id as bigint) as product_id,
        cast(code as {{ dbt.type_string() }}) as product_code
    from source

),

final as (

    select * from renamed

)

select * from final
