{#
    Every validity interval of the ledger is half-open, [start, end), with a null end meaning
    open. One macro keeps the boundary rule identical in every join that uses it.
    The open end is written as a far-future instant rather than `end is null or ...`: an OR
    in a join condition hides the range from the planner (DuckDB falls back to a nested
    loop over every pair), while two plain comparisons stay a hash or range join.
#}
{% macro interval_contains(start_column, end_column, instant) -%}
    ({{ start_column }} <= {{ instant }} and {{ instant }} < {{ open_end_if_null(end_column) }})
{%- endmacro %}
