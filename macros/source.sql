{#- source() without the database part on DuckDB; see ref.sql for why. -#}
{% macro source() %}
    {%- set relation = builtins.source(*varargs, **kwargs) -%}
    {{ return(ledger_portable_relation(relation)) }}
{% endmacro %}
