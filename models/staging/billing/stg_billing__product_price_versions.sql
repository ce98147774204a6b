{#
    The price history, as the snapshot of billing.product_price recorded it: one row per
    version, valid over [valid_from, valid_to); the current version ends at open_interval_end().
#}

with

snapshot as (

    select * from {{ ref('snap_billing__product_prices') }}

),

renamed as (

    select
        cast(dbt_scd_id as {{ dbt.type_string() }}) as price_version_id,
        cast(product_id as bigint) as product_id,
        cast(price as numeric(12, 2)) as price,
        cast(dbt_valid_from as timestamp) as valid_from,
        cast(dbt_valid_to as timestamp) as valid_to,
        cast(updated_at as timestamp) as updated_at
    from snapshot

),

final as (

    select * from renamed

)

select * from final
