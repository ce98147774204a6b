{#
    Broker feedback rolled up per sold item (a lead sale or a call): how often it was
    reported, and its first `sold` and first `returned` report (spec 3.3, 3.5), for quality
    reporting. Reports are counted by disposition_id, so an exact duplicate raw row (staging
    keeps them) counts once. Revenue finds the first reports itself, keyed so that a date
    filter reaches the dispositions scan.
#}

with

by_item as (

    {{ dispositions_by_item() }}

),

final as (

    select
        item_type,
        item_id,
        count(distinct disposition_id) as disposition_count,
        count(distinct case when disposition_status = 'sold' then disposition_id end)
            as sold_report_count,
        min(case when disposition_status = 'sold' then reported_at end) as first_sold_reported_at,
        min(case when disposition_status = 'returned' then reported_at end)
            as first_returned_reported_at
    from by_item
    group by item_type, item_id

)

select * from final
