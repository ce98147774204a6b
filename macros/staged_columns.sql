{#
    A raw column's type is declared once, as its `data_type` in the source's YAML
    (models/staging/*/_*__sources.yml), which the raw tables' DDL is generated from too; a
    staging model casts every column to it through this macro rather than spelling the type
    again. `text` is cast to dbt.type_string(), so each engine gets its own string type; the
    other types are the YAML's, spelled as SQL (`numeric(12,2)` as `numeric(12, 2)`).
    The columns come in the YAML's order, one a line, the first unindented: callers indent
    the rest with Jinja's `indent` filter to their select's depth. A rename or a column
    without a type that the YAML does not have stops the compile, naming it.
#}
{% macro staged_columns(source_name, table_name, renames={}) %}
    {%- if not execute -%}
        {{- return('*') -}}
    {%- endif -%}
    {%- set declared = graph.sources.values()
        | selectattr('source_name', 'equalto', source_name)
        | selectattr('name', 'equalto', table_name)
        | first -%}
    {%- set where = 'staged_columns: source ' ~ source_name ~ '.' ~ table_name -%}
    {%- if declared is not defined or declared is none -%}
        {{- exceptions.raise_compiler_error(where ~ ' is not declared in a sources YAML') -}}
    {%- endif -%}
    {%- for raw in renames if raw not in declared.columns -%}
        {{- exceptions.raise_compiler_error(
            where ~ ' has no column ' ~ raw ~ ' to rename; its YAML declares '
            ~ declared.columns.keys() | join(', ')
        ) -}}
    {%- endfor -%}
    {%- set lines = [] -%}
    {%- for column in declared.columns.values() -%}
        {%- if not column.data_type -%}
            {{- exceptions.raise_compiler_error(
                where ~ ', column ' ~ column.name ~ ': no data_type in its YAML to cast it to'
            ) -}}
        {%- endif -%}
        {%- set sql_type = dbt.type_string() if column.data_type == 'text'
            else column.data_type | replace(',', ', ') -%}
        {%- do lines.append(
            'cast(' ~ column.name ~ ' as ' ~ sql_type ~ ') as ' ~ renames.get(column.name, column.name)
        ) -%}
    {%- endfor -%}
    {{- return(lines | join(',\n')) -}}
{% endmacro %}
