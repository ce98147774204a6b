{#
    The end of a half-open interval with a null (open) end read as a far-future instant, so
    that range predicates and window orderings need no null branch.
#}
{% macro interval_open_end(end_column) -%}
    coalesce({{ end_column }}, {{ open_interval_end() }})
{%- endmacro %}

