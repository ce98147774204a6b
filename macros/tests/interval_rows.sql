{# The interval tests read a model's partition, key, start and end under the same names, so the reading is written once. #}
{% macro interval_rows(model, partition_by, start_column, end_column, key_column=none) -%}
    select
        {{ partition_by }} as partition_value,
        {%- if key_column %}
        {{ key_column }} as key_value,
        {%- endif %}
        {{ start_column }} as starts_at,
        {{ end_column }} as ends_at,
        {{ open_end_if_null(end_column) }} as ends_before
    from {{ model }}
{%- endmacro %}
