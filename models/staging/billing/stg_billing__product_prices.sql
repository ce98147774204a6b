{#
    The live price of each product, as billing.product_price holds it now: one row per
    product, updated in place. Read directly so that a change applies before the snapshot
    has recorded it.
#}

with

source as (

    select * from {{ source('billing', 'product_price') }}

),

renamed as (

    select distinct
        cast(product_id as bigint) as product_id,
        cast(price as numeric(12, 2)) as price,
        cast(updated_at as timestamp) as updated_at
    from source

),

final as (

    select * from renamed

)

select * from final
