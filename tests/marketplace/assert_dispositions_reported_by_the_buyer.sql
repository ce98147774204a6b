{#
    Feedback on a sale or a call comes from the broker that bought it: a `sold` or `returned`
    report bills or refunds that buyer, so a report by another broker is a wrong reference.
    The buyer of a call is the buyer of the campaign terms in force at the call; a call with
    no terms in force has none, and any report on it changes nothing. Returns the raw
    disposition with the item's buyer.
#}

{{ dispositions_disagreeing_with_their_item(
    ref('int_calls_attributed'), 'mortgage_broker_id', 'mortgage_broker_id', 'item_buyer_id',
    disagrees_when='buyer_id <> item_buyer_id'
) }}
