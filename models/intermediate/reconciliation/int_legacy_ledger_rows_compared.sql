{#
    The parallel run: every legacy row and every plain delivery of the new ledger side by
    side, keyed by lead_type + delivery id, each with the class of its difference.

    A full outer join keeps every row of both sides. Legacy rows are numbered per key first:
    only the first copy is joined, so a delivery recorded twice shows its second copy as a
    row of its own (duplicate_in_legacy) instead of vanishing as it would in a set compare.

    The legacy job ran daily and each run fetched the deliveries of the past
    var('legacy_window_days') days from var('legacy_floor_date') on, delivered before it
    started. So it covered [max(floor, first run - window), last run): a delivery before
    that could never have been recorded (outside_legacy_window, explained), one at or after
    its last run was not processed yet (missing_in_legacy, explained). With no legacy rows
    at all there was no parallel run: nothing to explain away, nothing unexplained.
#}

with

legacy_rows as (

    select * from {{ ref('stg_billing__legacy_lead_sales_ledger') }}

),

ledger_rows as (

    select * from {{ ref('int_ledger_rows_unioned') }}

),

legacy_copies as (

    select
        *,
        cast(delivery_id as {{ dbt.type_string() }}) as delivery_key,
        row_number() over (
            partition by lead_type, delivery_id
            order by processed_at, legacy_row_id
        ) as copy_number,
        count(*) over (partition by lead_type, delivery_id) as copy_count
    from legacy_rows

),

legacy_first_copies as (

    select
        *,
        -- Null for the extra copies, so that only the first one can find its delivery.
        case when copy_number = 1 then lead_type end as join_lead_type,
        case when copy_number = 1 then delivery_key end as join_delivery_key
    from legacy_copies

),

legacy_runs as (

    select
        min(processed_at) as first_run_at,
        max(processed_at) as last_run_at
    from legacy_rows

),

new_deliveries as (

    select
        ledger_id,
        lead_type,
        source_id as delivery_key,
        mortgage_broker_id,
        event_at as delivered_at,
        msrp,
        discount_percent,
        discount_amount,
        billed_amount
    from ledger_rows
    where
        deal_type = 'plain'
        and event_type = 'lead_delivery'
        -- What lead_sales_ledger keeps; read from its own layer, never from the mart.
        and event_at >= {{ ledger_start_at() }}

),

joined as (

    select
        new_deliveries.ledger_id,
        legacy_first_copies.legacy_row_id,
        coalesce(new_deliveries.lead_type, legacy_first_copies.lead_type) as lead_type,
        coalesce(new_deliveries.delivery_key, legacy_first_copies.delivery_key) as delivery_id,
        legacy_first_copies.copy_number as legacy_copy_number,
        legacy_first_copies.copy_count as legacy_copy_count,
        new_deliveries.mortgage_broker_id as new_mortgage_broker_id,
        legacy_first_copies.mortgage_broker_id as legacy_mortgage_broker_id,
        new_deliveries.delivered_at as new_delivered_at,
        legacy_first_copies.delivered_at as legacy_delivered_at,
        legacy_first_copies.processed_at as legacy_processed_at,
        new_deliveries.msrp as new_msrp,
        legacy_first_copies.msrp as legacy_msrp,
        new_deliveries.discount_percent as new_discount_percent,
        legacy_first_copies.discount_percent as legacy_discount_percent,
        new_deliveries.discount_amount as new_discount_amount,
        legacy_first_copies.discount_amount as legacy_discount_amount,
        new_deliveries.billed_amount as new_billed_amount,
        legacy_first_copies.billed_amount as legacy_billed_amount
    from new_deliveries
    full outer join legacy_first_copies
        on
            new_deliveries.lead_type = legacy_first_copies.join_lead_type
            and new_deliveries.delivery_key = legacy_first_copies.join_delivery_key

),

with_legacy_runs as (

    select
        joined.*,
        legacy_runs.first_run_at as legacy_first_run_at,
        legacy_runs.last_run_at as legacy_last_run_at,
        {{ dbt.dateadd(
            'day', -1 * (var('legacy_window_days') | int), 'legacy_runs.first_run_at'
        ) }} as legacy_window_start_at
    from joined
    cross join legacy_runs

),

classified as (

    select
        *,
        case
            when legacy_copy_number > 1 then 'duplicate_in_legacy'
            when
                legacy_row_id is null
                and (
                    new_delivered_at < cast('{{ var("legacy_floor_date") }}' as timestamp)
                    or new_delivered_at < legacy_window_start_at
                )
                then 'outside_legacy_window'
            when legacy_row_id is null then 'missing_in_legacy'
            when ledger_id is null then 'missing_in_new'
            -- A null on either side is a difference too, never a match.
            when not coalesce(new_msrp = legacy_msrp, false) then 'price_differs'
            when
                not coalesce(new_discount_percent = legacy_discount_percent, false)
                or not coalesce(new_discount_amount = legacy_discount_amount, false)
                then 'discount_differs'
            when
                not coalesce(new_billed_amount = legacy_billed_amount, false)
                or not coalesce(new_mortgage_broker_id = legacy_mortgage_broker_id, false)
                or not coalesce(new_delivered_at = legacy_delivered_at, false)
                then 'details_differ'
            else 'matched'
        end as difference_class
    from with_legacy_runs

),

explained as (

    select
        *,
        case
            when difference_class <> 'outside_legacy_window' then cast(null as {{ dbt.type_string() }})
            when new_delivered_at < cast('{{ var("legacy_floor_date") }}' as timestamp)
                then 'before_legacy_floor'
            else 'before_legacy_window'
        end as window_explanation,
        case
            when difference_class <> 'missing_in_legacy' then cast(null as {{ dbt.type_string() }})
            when legacy_last_run_at is null then 'no_legacy_rows'
            when new_delivered_at >= legacy_last_run_at then 'after_last_legacy_run'
        end as missing_in_legacy_explanation,
        case
            when difference_class <> 'missing_in_new' then cast(null as {{ dbt.type_string() }})
            when legacy_delivered_at < {{ ledger_start_at() }} then 'before_ledger_start'
        end as missing_in_new_explanation
    from classified

),

amounts as (

    select
        *,
        coalesce(
            window_explanation, missing_in_legacy_explanation, missing_in_new_explanation
        ) as explanation,
        -- Two numeric(12,2) amounts apart need one more digit.
        cast(
            coalesce(new_billed_amount, 0) - coalesce(legacy_billed_amount, 0)
            as numeric(13, 2)
        ) as billed_difference
    from explained

),

final as (

    select
        case
            when legacy_row_id is not null
                then 'legacy:' || cast(legacy_row_id as {{ dbt.type_string() }})
            else 'new:' || ledger_id
        end as compared_row_id,
        lead_type,
        delivery_id,
        ledger_id,
        legacy_row_id,
        legacy_copy_number,
        legacy_copy_count,
        difference_class,
        case
            when difference_class = 'matched' then true
            when explanation is not null then true
            else false
        end as is_explained,
        explanation,
        -- What no tolerance may absorb: a side missing, an extra copy, another broker or
        -- delivery time, whatever the money. Differences in msrp, discount or billed amount
        -- alone are held to the cutover gate's tolerance.
        case
            when difference_class = 'matched' or explanation is not null then false
            when
                difference_class in ('missing_in_legacy', 'missing_in_new', 'duplicate_in_legacy')
                then true
            when
                not coalesce(new_mortgage_broker_id = legacy_mortgage_broker_id, false)
                or not coalesce(new_delivered_at = legacy_delivered_at, false)
                then true
            else false
        end as differs_beyond_money,
        coalesce(new_mortgage_broker_id, legacy_mortgage_broker_id) as mortgage_broker_id,
        coalesce(new_delivered_at, legacy_delivered_at) as delivered_at,
        new_mortgage_broker_id,
        legacy_mortgage_broker_id,
        new_delivered_at,
        legacy_delivered_at,
        legacy_processed_at,
        legacy_first_run_at,
        legacy_last_run_at,
        new_msrp,
        legacy_msrp,
        new_discount_percent,
        legacy_discount_percent,
        new_discount_amount,
        legacy_discount_amount,
        new_billed_amount,
        legacy_billed_amount,
        billed_difference,
        cast(
            case
                when difference_class = 'matched' or explanation is not null then 0
                else billed_difference
            end
            as numeric(13, 2)
        ) as unexplained_difference
    from amounts

)

select * from final
