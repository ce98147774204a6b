{#
    The first instant the ledger reports, from the var ledger_start_date. There is no sliding
    window: a view that kept one would silently drop billed leads older than a year.
#}
{% macro ledger_start_at() -%}
    cast('{{ var("ledger_start_date") }}' as timestamp)
{%- endmacro %}
