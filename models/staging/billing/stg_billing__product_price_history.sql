{#
    Prices from before the snapshot began, loaded once at cutover (spec 2). A null valid_to
    means "until the snapshot's first version". The table is optional: without it there is
    no earlier history, and every delivery must fall within the snapshot's versions.
#}

{{ stage_source('billing', 'product_price_history', optional=true) }}
