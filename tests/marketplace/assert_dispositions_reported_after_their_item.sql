{#
    Broker feedback cannot come before the sale or the call it is about: a disposition
    reported earlier is a clock or typing mistake, and it would date a conversion or a refund
    before the revenue it belongs to. Returns the raw disposition with its item's instant.
#}

with

dispositions as (

    select * from {{ ref('stg_boberdoo__dispositions') }}

),

lead_sales as (

    select * from {{ ref('stg_boberdoo__lead_sales') }}

),

calls as (

    select * from {{ ref('stg_invoca__calls') }}

),

with_item as (

    select
        dispositions.disposition_id,
        dispositions.transaction_id,
        dispositions.call_id,
        dispositions.mortgage_broker_id as buyer_id,
        dispositions.disposition_status as status,
        dispositions.reported_at,
        coalesce(lead_sales.sold_at, calls.started_at) as item_at
    from dispositions
    left join lead_sales
        on dispositions.transaction_id = lead_sales.transaction_id
    left join calls
        on dispositions.call_id = calls.call_id

),

reported_too_early as (

    select * from with_item
    where reported_at < item_at

)

select * from reported_too_early
