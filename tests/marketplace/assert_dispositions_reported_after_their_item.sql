{#
    Broker feedback cannot come before the sale or the call it is about: a disposition
    reported earlier is a clock or typing mistake, and it would date a conversion or a refund
    before the revenue it belongs to. Returns the raw disposition with its item's instant.
#}

with

with_item as (

    {{ dispositions_with_their_item(
        calls=ref('stg_invoca__calls'),
        lead_sale_column='sold_at',
        call_column='started_at',
        item_column='item_at'
    ) }}

),

reported_too_early as (

    select * from with_item
    where reported_at < item_at

)

select * from reported_too_early
