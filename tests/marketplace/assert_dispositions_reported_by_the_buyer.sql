{#
    Feedback on a sale or a call comes from the broker that bought it: a `sold` or `returned`
    report bills or refunds that buyer, so a report by another broker is a wrong reference.
    The buyer of a call is the buyer of the campaign terms in force at the call; a call with
    no terms in force has none, and any report on it changes nothing. Returns the raw
    disposition with the item's buyer.
#}

with

with_item_buyer as (

    {{ dispositions_with_their_item(
        calls=ref('int_calls_attributed'),
        lead_sale_column='mortgage_broker_id',
        call_column='mortgage_broker_id',
        item_column='item_buyer_id'
    ) }}

),

reported_by_another_broker as (

    select * from with_item_buyer
    where buyer_id <> item_buyer_id

)

select * from reported_by_another_broker
