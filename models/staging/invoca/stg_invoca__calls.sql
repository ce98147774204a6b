{#
    One plain select, no import CTEs, on purpose: PostgreSQL folds a view into the query
    reading it only when the view has no WITH clause, and only a folded view can be probed
    by key (an index nested loop from the rows joining it). A view with a WITH clause is
    planned on its own, and every join into it reads the whole table. Not deduplicated: a
    distinct view cannot be probed either; exact duplicate rows are collapsed by the models
    reading this, at their grain.
#}

select
    cast(call_id as {{ dbt.type_string() }}) as call_id,
    cast(campaign_id as {{ dbt.type_string() }}) as campaign_id,
    cast(caller_phone as {{ dbt.type_string() }}) as caller_phone,
    cast(started_at as timestamp) as started_at,
    cast(duration_seconds as integer) as duration_seconds
from {{ source('invoca', 'calls') }}
