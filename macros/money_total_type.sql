{#
    Row amounts are numeric(12,2); a sum of them is not. Report and balance totals are cast to
    numeric(38,2), the widest precision Redshift allows, so no valid data can overflow them
    (spec 2). On DuckDB the sum of a decimal(12,2) is already decimal(38,2), never a double.
#}
{% macro money_total_type() -%}
    numeric(38, 2)
{%- endmacro %}
