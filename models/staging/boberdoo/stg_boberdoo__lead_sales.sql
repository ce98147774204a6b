{#- One select, no import CTEs and no distinct, so the views reading it can probe it by key:
    see DECISIONS.md, "No WITH clause in a view a reader must fold in". -#}

select
    cast(transaction_id as {{ dbt.type_string() }}) as transaction_id,
    cast(lead_id as {{ dbt.type_string() }}) as lead_id,
    cast(buyer_id as bigint) as mortgage_broker_id,
    cast(deal_type as {{ dbt.type_string() }}) as deal_type,
    cast(price as numeric(12, 2)) as sale_price,
    cast(sold_at as timestamp) as sold_at
from {{ source('boberdoo', 'lead_sales') }}
