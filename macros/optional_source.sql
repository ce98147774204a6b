{#
    A source that may not exist: the cutover tables (spec 2) are loaded once, and the build
    must work without them. Returns the relation when the table exists, else an empty
    relation with the columns the source's YAML declares (untyped nulls: the staging model
    casts every column anyway), so the model compiles and reads nothing. The dependency is
    registered either way, for lineage and docs. With introspection off (the offline
    Redshift compile) the table is assumed present, so its SQL is compiled and checked.
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
    {%- if existing is not none -%}
        {{ return(relation) }}
    {%- endif -%}
    {%- set declared = graph.sources.values()
        | selectattr('source_name', 'equalto', source_name)
        | selectattr('name', 'equalto', table_name)
        | first -%}
    {%- set columns = declared.columns.keys() | list -%}
    {%- if not columns -%}
        {{ exceptions.raise_compiler_error(
            'optional_source: declare the columns of ' ~ source_name ~ '.' ~ table_name
            ~ ' in its YAML, so that its absence reads as an empty relation'
        ) }}
    {%- endif -%}
    {%- set nulls = [] -%}
    {%- for column in columns -%}
        {%- do nulls.append('null as ' ~ column) -%}
    {%- endfor -%}
    {{ return('(select ' ~ nulls | join(', ') ~ ' where 1 = 0) as absent_' ~ table_name) }}
{% endmacro %}
