{#
    Feedback on a sale or a call comes from the broker that bought it: a `sold` or `returned`
    report bills or refunds that buyer, so a report by another broker is a wrong reference.
    The buyer of a call is the buyer of the campaign terms in force at the call; a call with
    no terms in force has none, and any report on it changes nothing. Returns the raw
    disposition with the item's buyer.
#}

with

dispositions as (

    select * from {{ ref('stg_boberdoo__dispositions') }}

),

lead_sales as (

    select * from {{ ref('stg_boberdoo__lead_sales') }}

),

calls as (

    select * from {{ ref('int_calls_attributed') }}

),

with_item_buyer as (

    select
        dispositions.disposition_id,
        dispositions.transaction_id,
        dispositions.call_id,
        dispositions.mortgage_broker_id as buyer_id,
        dispositions.disposition_status as status,
        dispositions.reported_at,
        coalesce(lead_sales.mortgage_broker_id, calls.mortgage_broker_id) as item_buyer_id
    from dispositions
    left join lead_sales
        on dispositions.transaction_id = lead_sales.transaction_id
    left join calls
        on dispositions.call_id = calls.call_id

),

reported_by_another_broker as (

    select * from with_item_buyer
    where buyer_id <> item_buyer_id

)

select * from reported_by_another_broker
