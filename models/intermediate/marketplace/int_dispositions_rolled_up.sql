{#
    Broker feedback rolled up per sold item (a lead sale or a call): how often it was
    reported, and its first `sold` and first `returned` report, which drive revenue
    (spec 3.3, 3.5). One grouping, no ordering: revenue reads this on every query.
#}

with

dispositions as (

    select * from {{ ref('stg_boberdoo__dispositions') }}

),

by_item as (

    select
        {{ disposition_item_columns() }},
        disposition_status,
        reported_at
    from dispositions

),

final as (

    select
        item_type,
        item_id,
        count(*) as disposition_count,
        sum(case when disposition_status = 'sold' then 1 else 0 end) as sold_report_count,
        min(case when disposition_status = 'sold' then reported_at end) as first_sold_reported_at,
        min(case when disposition_status = 'returned' then reported_at end)
            as first_returned_reported_at
    from by_item
    group by item_type, item_id

)

select * from final
