{#
    `persist_docs` for the project's views: the model's description as the view's comment and
    each documented column's description as the column's comment, when the model's
    `persist_docs` config asks for them (dbt_project.yml).

    PostgreSQL and DuckDB compare the comments the view has with the ones it should have and
    write only the differences. An unchanged view keeps its comments, so an unchanged build
    still writes nothing and takes no lock; a view swapped in (a new object) or replaced in
    place on DuckDB (`create or replace` there drops comments) gets them all again, in the
    model's transaction, so readers never see the new view without them. On PostgreSQL the
    comments go through the same lock_timeout-and-retry block as the replacement (COMMENT
    takes a lock that readers do not wait for, but it could wait behind another session's
    DDL). Redshift uses dbt's own `persist_docs`, which skips column comments on late-binding
    views as Redshift requires.
#}
{% macro ledger_persist_view_docs(relation) %}
    {{ return(adapter.dispatch('ledger_persist_view_docs')(relation)) }}
{% endmacro %}


{#- Redshift dispatches to postgres__ before default__: it needs its own. -#}
{% macro redshift__ledger_persist_view_docs(relation) %}
    {%- do persist_docs(relation, model) -%}
{% endmacro %}


{% macro default__ledger_persist_view_docs(relation) %}
    {%- do persist_docs(relation, model) -%}
{% endmacro %}


{% macro postgres__ledger_persist_view_docs(relation) %}
    {%- set current_sql -%}
        select null::text as column_name, pg_catalog.obj_description(c.oid, 'pg_class') as comment
        from pg_catalog.pg_class as c
        where c.oid = '{{ relation.include(database=False) }}'::regclass
        union all
        select a.attname::text, pg_catalog.col_description(a.attrelid, a.attnum)
        from pg_catalog.pg_attribute as a
        where a.attrelid = '{{ relation.include(database=False) }}'::regclass
            and a.attnum > 0
            and not a.attisdropped
    {%- endset -%}
    {%- set statements = ledger_view_comment_statements(relation, run_query(current_sql), postgres_escape_comment) -%}
    {%- if statements | length > 0 -%}
        {%- do ledger_pg_execute_with_lock_retries(relation, statements, statement_name='ledger_view_docs') -%}
    {%- endif -%}
{% endmacro %}


{% macro duckdb__ledger_persist_view_docs(relation) %}
    {%- set current_sql -%}
        select null as column_name, comment
        from duckdb_views()
        where database_name = '{{ relation.database }}'
            and schema_name = '{{ relation.schema }}'
            and view_name = '{{ relation.identifier }}'
        union all
        select column_name, comment
        from duckdb_columns()
        where database_name = '{{ relation.database }}'
            and schema_name = '{{ relation.schema }}'
            and table_name = '{{ relation.identifier }}'
    {%- endset -%}
    {%- for statement in ledger_view_comment_statements(relation, run_query(current_sql), duckdb_escape_comment) -%}
        {%- do run_query(statement) -%}
    {%- endfor -%}
{% endmacro %}


{#-
    The COMMENT statements that bring `relation` from its `current` comments (rows of
    column_name, comment; a null column_name is the relation's own) to the model's. Only
    columns the view has are commented; an empty description is no comment. Descriptions are
    trimmed: a folded YAML block's final newline would show as an empty line in `\d+`.
-#}
{% macro ledger_view_comment_statements(relation, current, quote_comment) %}
    {%- set state = namespace(relation_comment='') -%}
    {%- set column_comments = {} -%}
    {%- for row in current.rows -%}
        {%- if row[0] is none -%}
            {%- set state.relation_comment = row[1] or '' -%}
        {%- else -%}
            {%- do column_comments.update({row[0]: row[1] or ''}) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set statements = [] -%}
    {%- set relation_wanted = (model.description or '') | trim -%}
    {%- if config.persist_relation_docs() and relation_wanted != state.relation_comment -%}
        {%- do statements.append('comment on view ' ~ relation ~ ' is ' ~ quote_comment(relation_wanted)) -%}
    {%- endif -%}
    {%- if config.persist_column_docs() -%}
        {%- for name, column in model.columns.items() if name in column_comments -%}
            {%- set wanted = (column.get('description') or '') | trim -%}
            {%- if wanted != column_comments[name] -%}
                {%- set quoted = adapter.quote(name) if column.get('quote') else name -%}
                {%- do statements.append(
                    'comment on column ' ~ relation ~ '.' ~ quoted ~ ' is ' ~ quote_comment(wanted)
                ) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(statements) }}
{% endmacro %}
