{#
    Broker feedback cannot come before the sale or the call it is about: a disposition
    reported earlier is a clock or typing mistake, and it would date a conversion or a refund
    before the revenue it belongs to. Returns the raw disposition with its item's instant.
#}

{{ dispositions_disagreeing_with_their_item(
    ref('stg_invoca__calls'), 'sold_at', 'started_at', 'item_at',
    disagrees_when='reported_at < item_at'
) }}
