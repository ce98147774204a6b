{#-
    A relation as views should name it: on DuckDB without the database (the file's stem),
    so a copy of the warehouse file, or one attached under another name, still answers.
    Other values (unit-test fixtures render as plain names) pass through.
-#}
{% macro ledger_portable_relation(relation) %}
    {%- if target.type == 'duckdb' and relation.include is defined -%}
        {{ return(relation.include(database=False)) }}
    {%- endif -%}
    {{ return(relation) }}
{% endmacro %}
