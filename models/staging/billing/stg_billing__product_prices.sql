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
        {{ staged_columns('billing', 'product_price') | indent(8) }}
    from source

),

final as (

    select * from renamed

)

select * from final
