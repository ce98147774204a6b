{#
    ref() without the database part on DuckDB. dbt-duckdb names the database after the
    file's stem ("ledger"), and a view that says "ledger"."ledger_marts"."x" breaks as soon
    as the file is copied or attached under another name. DuckDB binds a view's
    catalog-less names in the view's own database, so leaving the name out is exact.
#}
{% macro ref() %}
    {%- set relation = builtins.ref(*varargs, **kwargs) -%}
    {{ return(ledger_portable_relation(relation)) }}
{% endmacro %}
