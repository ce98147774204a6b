{#- One select, no import CTEs and no distinct, so the views reading it can probe it by key:
    see DECISIONS.md, "No WITH clause in a view a reader must fold in". -#}

select
    cast(disposition_id as {{ dbt.type_string() }}) as disposition_id,
    cast(transaction_id as {{ dbt.type_string() }}) as transaction_id,
    cast(call_id as {{ dbt.type_string() }}) as call_id,
    cast(buyer_id as bigint) as mortgage_broker_id,
    cast(status as {{ dbt.type_string() }}) as disposition_status,
    cast(reported_at as timestamp) as reported_at
from {{ source('boberdoo', 'dispositions') }}
