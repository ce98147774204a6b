{#- One select, no import CTEs and no distinct, so the views reading it can probe it by key:
    see DECISIONS.md, "No WITH clause in a view a reader must fold in". -#}

select
    cast(call_id as {{ dbt.type_string() }}) as call_id,
    cast(campaign_id as {{ dbt.type_string() }}) as campaign_id,
    cast(caller_phone as {{ dbt.type_string() }}) as caller_phone,
    cast(started_at as timestamp) as started_at,
    cast(duration_seconds as integer) as duration_seconds
from {{ source('invoca', 'calls') }}
