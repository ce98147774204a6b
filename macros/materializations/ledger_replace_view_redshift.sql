{#
    Redshift. The project's views are late-binding (`bind: false`): nothing depends on them
    by OID, so a changed view is dropped and created again inside one transaction, which
    readers see as one atomic change (Redshift's `create or replace view` refuses changed
    columns). A view whose stored definition, compared with the new one ignoring case,
    quotes and white space, is unchanged is left alone. Redshift cannot be reached from the
    development machines: this path is compiled and checked offline only; a definition the
    comparison misses costs one DDL, never a wrong view.
#}
{% macro redshift__ledger_replace_view(relation, existing, sql) %}
    {%- set create_sql = get_create_view_as_sql(relation, sql) -%}
    {%- if existing is not none and existing.type == 'view' -%}
        {%- set stored = run_query(
            "select pg_catalog.pg_get_viewdef('" ~ relation.include(database=False) ~ "'::regclass)"
        ).columns[0].values()[0] -%}
        {%- if ledger_normalized_sql(stored) == ledger_normalized_sql(create_sql) -%}
            {%- call statement('main') -%}
                select 'unchanged' as ledger_view_outcome
            {%- endcall -%}
            {{ return('unchanged') }}
        {%- endif -%}
    {%- endif -%}
    {%- if existing is not none -%}
        {%- do run_query('drop ' ~ existing.type ~ ' ' ~ existing) -%}
    {%- endif -%}
    {%- call statement('main') -%}
        {{ create_sql }}
    {%- endcall -%}
    {{ return('created' if existing is none else 'replaced') }}
{% endmacro %}


{% macro ledger_normalized_sql(text) %}
    {%- set squeezed = modules.re.sub('["\\s;]+', '', (text or '') | lower) -%}
    {{ return(squeezed) }}
{% endmacro %}
