{#
    Reloading a seed with `delete` rather than dbt's `truncate`. TRUNCATE needs an
    exclusive lock, so it waited behind any analyst transaction that had read the chart of
    accounts through a mart, and on Redshift it commits at once, showing readers an empty
    table; DELETE and the insert that follows commit together and never block readers.
    A full refresh still drops and recreates the table.
#}
{% macro default__reset_csv_table(model, full_refresh, old_relation, agate_table) %}
    {%- if full_refresh -%}
        {{ adapter.drop_relation(old_relation) }}
        {{ return(create_csv_table(model, agate_table)) }}
    {%- endif -%}
    {%- set delete_sql = 'delete from ' ~ old_relation.render() -%}
    {%- do run_query(delete_sql) -%}
    {{ return(delete_sql) }}
{% endmacro %}
