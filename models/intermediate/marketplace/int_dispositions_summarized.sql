{#
    The rolled-up feedback of each sold item with its current status: the latest report,
    ties to the greatest disposition_id (spec 3.6), for quality reporting. Revenue reads
    neither this nor the roll-up: it finds each item's first report itself.
#}

with

rolled_up as (

    select * from {{ ref('int_dispositions_rolled_up') }}

),

by_item as (

    {{ dispositions_by_item() }}

),

ranked as (

    select
        *,
        row_number() over (
            partition by item_type, item_id
            order by reported_at desc, disposition_id desc
        ) as recency_rank
    from by_item

),

current_status as (

    select
        item_type,
        item_id,
        disposition_status as current_status,
        reported_at as current_status_reported_at
    from ranked
    where recency_rank = 1

),

final as (

    select
        rolled_up.item_type,
        rolled_up.item_id,
        rolled_up.disposition_count,
        rolled_up.sold_report_count,
        rolled_up.first_sold_reported_at,
        rolled_up.first_returned_reported_at,
        current_status.current_status,
        current_status.current_status_reported_at
    from rolled_up
    inner join current_status
        on
            rolled_up.item_type = current_status.item_type
            and rolled_up.item_id = current_status.item_id

)

select * from final
