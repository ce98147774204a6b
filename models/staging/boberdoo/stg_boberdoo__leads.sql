{#- One select, no import CTEs and no distinct, so the views reading it can probe it by key:
    see DECISIONS.md, "No WITH clause in a view a reader must fold in". -#}

select
    cast(lead_id as {{ dbt.type_string() }}) as lead_id,
    cast(phone as {{ dbt.type_string() }}) as phone,
    cast(lead_type as {{ dbt.type_string() }}) as lead_type,
    cast(created_at as timestamp) as created_at
from {{ source('boberdoo', 'leads') }}
