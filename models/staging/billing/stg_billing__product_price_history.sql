{#
    Prices from before the snapshot began, loaded once at cutover (spec 2). A null valid_to
    means "until the snapshot's first version". The table is optional: without it there is
    no earlier history, and every delivery must fall within the snapshot's versions.
#}

with

source as (

    select * from {{ optional_source('billing', 'product_price_history') }}

),

renamed as (

    select distinct
        {{ staged_columns('billing', 'product_price_history') | indent(8) }}
    from source

),

final as (

    select * from renamed

)

select * from final
