{#
    A source that may not exist: the cutover tables (spec 2) are loaded once, and the build
    must work without them. Returns the relation when the table exists, else none, so the
    model selects an empty relation of the same columns instead of failing to compile.
    The dependency is registered either way, for lineage and docs. With introspection off
    (the offline Redshift compile) the table is assumed present, so its SQL is compiled and
    checked like any other.
#}
{% macro optional_source(source_name, table_name) %}
    {%- set relation = source(source_name, table_name) -%}
    {%- if not execute or not flags.INTROSPECT -%}
        {{ return(relation) }}
    {%- endif -%}
    {%- set full = builtins.source(source_name, table_name) -%}
    {%- set existing = adapter.get_relation(
        database=full.database, schema=full.schema, identifier=full.identifier
    ) -%}
    {{ return(relation if existing is not none else none) }}
{% endmacro %}
