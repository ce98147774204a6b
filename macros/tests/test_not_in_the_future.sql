{#
    An event dated more than var('max_event_lead_days') days after the build started is a
    clock or typing mistake, never revenue to bill (spec 2). The limit is rendered as a
    literal from run_started_at (UTC) at every invocation, so each engine compares with the
    same instant and no view freezes it; it is returned with the rows.
#}
{% test not_in_the_future(model, column_name, lead_days=none) %}

{%- set days = var('max_event_lead_days') if lead_days is none else lead_days -%}
{%- set latest = run_started_at + modules.datetime.timedelta(days=days | float) %}

select
    *,
    cast('{{ latest.strftime("%Y-%m-%d %H:%M:%S") }}' as timestamp) as latest_allowed_at
from {{ model }}
where {{ column_name }} > cast('{{ latest.strftime("%Y-%m-%d %H:%M:%S") }}' as timestamp)

{% endtest %}
