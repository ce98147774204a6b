{#
    One plain select, no import CTEs, on purpose: PostgreSQL folds a view into the query
    reading it only when the view has no WITH clause, and only a folded view can be probed
    by key (an index nested loop from the rows joining it). A view with a WITH clause is
    planned on its own, and every join into it reads the whole table. Not deduplicated: a
    distinct view cannot be probed either; exact duplicate rows are collapsed by the models
    reading this, at their grain.
#}

select
    cast(transaction_id as {{ dbt.type_string() }}) as transaction_id,
    cast(lead_id as {{ dbt.type_string() }}) as lead_id,
    cast(buyer_id as bigint) as mortgage_broker_id,
    cast(deal_type as {{ dbt.type_string() }}) as deal_type,
    cast(price as numeric(12, 2)) as sale_price,
    cast(sold_at as timestamp) as sold_at
from {{ source('boberdoo', 'lead_sales') }}
