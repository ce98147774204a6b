{#
    The live price of each product, as billing.product_price holds it now: one row per
    product, updated in place. Read directly so that a change applies before the snapshot
    has recorded it.
#}

{{ stage_source('billing', 'product_price') }}
