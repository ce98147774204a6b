{#
    The price of every product at any instant (spec 3.1), from three sources in turn:
      history   billing.product_price_history: what was billed before the snapshot began,
                loaded once at cutover; its last version runs until the first recorded one;
      snapshot  the versions the snapshot of billing.product_price recorded;
      live      the current billing.product_price row when it is newer than the snapshot's
                current version: it applies from its updated_at at once, and the snapshot's
                current version ends there, exactly as the next snapshot run will record it.
    A version is named by product and start (product_id@valid_from), so a live version keeps
    its name once snapshotted and the ledger reads the same before and after the snapshot.
    Overlaps, gaps and a history that contradicts the snapshot fail the build
    (tests/pricing/assert_price_history_agrees_with_snapshot and this model's tests).
#}

with

{{ price_source_imports() }},

current_versions as (

    select
        product_id,
        valid_from
    from snapshot_versions
    where valid_to = {{ open_interval_end() }}

),

unrecorded_changes as (

    select
        live_prices.product_id,
        live_prices.price,
        live_prices.updated_at as changed_at
    from live_prices
    left join current_versions
        on live_prices.product_id = current_versions.product_id
    where
        current_versions.product_id is null
        or live_prices.updated_at > current_versions.valid_from

),

snapshot_part as (

    select
        snapshot_versions.product_id,
        snapshot_versions.price,
        snapshot_versions.valid_from,
        case
            when
                unrecorded_changes.changed_at is not null
                and snapshot_versions.valid_to = {{ open_interval_end() }}
                then unrecorded_changes.changed_at
            else snapshot_versions.valid_to
        end as valid_to,
        'snapshot' as version_source
    from snapshot_versions
    left join unrecorded_changes
        on snapshot_versions.product_id = unrecorded_changes.product_id

),

live_part as (

    select
        product_id,
        price,
        changed_at as valid_from,
        {{ open_interval_end() }} as valid_to,
        'live' as version_source
    from unrecorded_changes

),

recorded as (

    select * from snapshot_part
    union all
    select * from live_part

),

recorded_starts as (

    select
        product_id,
        min(valid_from) as recorded_from
    from recorded
    group by product_id

),

history_part as (

    select
        price_history.product_id,
        price_history.price,
        price_history.valid_from,
        case
            when recorded_starts.recorded_from is null
                then {{ open_end_if_null('price_history.valid_to') }}
            when
                price_history.valid_to is null
                or price_history.valid_to > recorded_starts.recorded_from
                then recorded_starts.recorded_from
            else price_history.valid_to
        end as valid_to,
        'history' as version_source
    from price_history
    left join recorded_starts
        on price_history.product_id = recorded_starts.product_id
    where
        recorded_starts.recorded_from is null
        or price_history.valid_from < recorded_starts.recorded_from

),

combined as (

    select * from history_part
    union all
    select * from recorded

),

final as (

    select
        cast(
            cast(product_id as {{ dbt.type_string() }}) || '@'
            || cast(valid_from as {{ dbt.type_string() }})
            as {{ dbt.type_string() }}
        ) as price_version_id,
        product_id,
        cast(price as numeric(12, 2)) as price,
        valid_from,
        valid_to,
        cast(version_source as {{ dbt.type_string() }}) as version_source
    from combined

)

select * from final
