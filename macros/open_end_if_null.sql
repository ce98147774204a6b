{#
    An interval's end column with a null (open) end read as open_interval_end(), so that
    range predicates and window orderings need no null branch.
#}
{% macro open_end_if_null(end_column) -%}
    coalesce({{ end_column }}, {{ open_interval_end() }})
{%- endmacro %}
