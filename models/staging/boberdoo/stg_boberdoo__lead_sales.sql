{#- One select, no import CTEs and no distinct, so the views reading it can probe it by key:
    see DECISIONS.md, "No WITH clause in a view a reader must fold in". -#}

select
    {{ staged_columns('boberdoo', 'lead_sales', renames={
        'buyer_id': 'mortgage_broker_id',
        'price': 'sale_price',
    }) | indent(4) }}
from {{ source('boberdoo', 'lead_sales') }}
