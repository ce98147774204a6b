{#
    The end of a half-open interval with a null (open) end read as a far-future instant, so
    that range predicates and window orderings need no null branch.
#}
{% macro interval_open_end(end_column) -%}
    coalesce({{ end_column }}, cast('9999-12-31 00:00:00' as timestamp))
{%- endmacro %}
