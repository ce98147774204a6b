{#
    Every sale a broker reported `sold` at least once has exactly one conversion, and no other
    sale has any. Returns the sales that break this with their counts.
#}

with

dispositions as (

    select * from {{ ref('stg_boberdoo__dispositions') }}

),

ledger_rows as (

    select * from {{ ref('int_ledger_rows_unioned') }}

),

sold_sales as (

    select distinct transaction_id
    from dispositions
    where disposition_status = 'sold' and transaction_id is not null

),

conversions as (

    select
        source_id as transaction_id,
        count(*) as conversion_count
    from ledger_rows
    where event_type = 'conversion'
    group by source_id

),

compared as (

    select
        coalesce(sold_sales.transaction_id, conversions.transaction_id) as transaction_id,
        sold_sales.transaction_id is not null as has_sold_report,
        coalesce(conversions.conversion_count, 0) as conversion_count
    from sold_sales
    full outer join conversions
        on sold_sales.transaction_id = conversions.transaction_id

)

select * from compared
where
    (has_sold_report and conversion_count <> 1)
    or (not has_sold_report and conversion_count > 0)
