{#
    Every validity interval of the ledger is half-open, [start, end), with a null end meaning
    open. One macro keeps the boundary rule identical in every join that uses it.
#}
{% macro interval_contains(start_column, end_column, instant) -%}
    ({{ start_column }} <= {{ instant }} and ({{ end_column }} is null or {{ instant }} < {{ end_column }}))
{%- endmacro %}
