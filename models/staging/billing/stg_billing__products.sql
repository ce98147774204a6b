with

source as (

    select * from {{ source('billing', 'product') }}

),

renamed as (

    select distinct
        {{ staged_columns('billing', 'product', renames={
            'id': 'product_id',
            'code': 'product_code',
        }) | indent(8) }}
    from source

),

final as (

    select * from renamed

)

select * from final
