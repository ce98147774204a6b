{#
    Prices from before the snapshot began, loaded once at cutover (spec 2). A null valid_to
    means "until the snapshot's first version". The table is optional: without it there is
    no earlier history, and every delivery must fall within the snapshot's versions.
#}

{%- set price_history = optional_source('billing', 'product_price_history') %}

with

source as (

    {%- if price_history is not none %}

    select * from {{ price_history }}

    {%- else %}

    select
        cast(null as bigint) as product_id,
        cast(null as numeric(12, 2)) as price,
        cast(null as timestamp) as valid_from,
        cast(null as timestamp) as valid_to
    where 1 = 0

    {%- endif %}

),

renamed as (

    select distinct
        cast(product_id as bigint) as product_id,
        cast(price as numeric(12, 2)) as price,
        cast(valid_from as timestamp) as valid_from,
        cast(valid_to as timestamp) as valid_to
    from source

),

final as (

    select * from renamed

)

select * from final
