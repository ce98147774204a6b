{#
    Rounds to cents half away from zero, spelled out so that the result never depends on
    an engine's tie rule for round(), and cast back to numeric(12,2): in DuckDB a
    decimal divided by an integer turns into a double, so callers multiply by 0.01.
#}
{% macro round_money(expression) -%}
    cast(
        case
            when ({{ expression }}) < 0 then -floor(-({{ expression }}) * 100 + 0.5)
            else floor(({{ expression }}) * 100 + 0.5)
        end * 0.01
        as numeric(12, 2)
    )
{%- endmacro %}
