{#
    The cutover price history and the live price must tell the snapshot's story, not another:
      history_disagrees   a history version covers an instant a snapshot version also covers,
                          at another price (the history was derived or typed wrong);
      live_disagrees      billing.product_price holds another price than the snapshot's
                          current version without a later updated_at: changed in place with
                          its timestamp left behind, so the snapshot will never record it.
    Returns each offending row with the version it contradicts, so the failure names both.
#}

with

{{ price_source_imports() }},

history_disagreements as (

    select
        'history_disagrees' as broken_rule,
        price_history.product_id,
        price_history.price,
        price_history.valid_from,
        price_history.valid_to,
        snapshot_versions.price_version_id as snapshot_version_id,
        snapshot_versions.price as snapshot_price
    from price_history
    inner join snapshot_versions
        on
            price_history.product_id = snapshot_versions.product_id
            and price_history.valid_from < snapshot_versions.valid_to
            and price_history.valid_to > snapshot_versions.valid_from
    where price_history.price <> snapshot_versions.price

),

live_disagreements as (

    select
        'live_disagrees' as broken_rule,
        live_prices.product_id,
        live_prices.price,
        live_prices.updated_at as valid_from,
        cast(null as timestamp) as valid_to,
        snapshot_versions.price_version_id as snapshot_version_id,
        snapshot_versions.price as snapshot_price
    from live_prices
    inner join snapshot_versions
        on
            live_prices.product_id = snapshot_versions.product_id
            and snapshot_versions.valid_to = {{ open_interval_end() }}
    where
        live_prices.updated_at <= snapshot_versions.valid_from
        and live_prices.price <> snapshot_versions.price

),

final as (

    select * from history_disagreements
    union all
    select * from live_disagreements

)

select * from final
