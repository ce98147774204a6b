{#
    The steps every engine shares (hooks, grants, docs, commit); the replacement itself is
    dispatched to <adapter>__ledger_replace_view, which must run statement('main').
#}
{% macro ledger_view_materialization() %}
    {%- set target_relation = this.incorporate(type='view') -%}
    {%- set existing_relation = load_cached_relation(this) -%}
    {%- set grant_config = config.get('grants') -%}

    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}

    {%- set outcome = adapter.dispatch('ledger_replace_view')(target_relation, existing_relation, sql) -%}
    {{ log('view ' ~ target_relation ~ ': ' ~ outcome) }}
    {%- if outcome == 'unchanged' and config.get('contract').enforced -%}
        {#- dbt checks a contract as it creates the view; an unchanged view is not created,
            and a type changed in the YAML alone must still fail the build by name. -#}
        {%- do get_assert_columns_equivalent(sql) -%}
    {%- endif -%}

    {%- if outcome != 'unchanged' -%}
        {%- set should_revoke = should_revoke(existing_relation, full_refresh_mode=True) -%}
        {%- do apply_grants(target_relation, grant_config, should_revoke=should_revoke) -%}
    {%- endif -%}
    {#- Comments, when persist_docs asks for them: ledger_persist_view_docs.sql. -#}
    {%- do ledger_persist_view_docs(target_relation) -%}

    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {{ adapter.commit() }}
    {{ run_hooks(post_hooks, inside_transaction=False) }}

    {{ return({'relations': [target_relation]}) }}
{% endmacro %}


{#- `create view ...` as the adapter writes it, turned into `create or replace view ...`. -#}
{% macro ledger_create_or_replace_view_sql(relation, sql) %}
    {%- set create_sql = get_create_view_as_sql(relation, sql) -%}
    {%- set pattern = modules.re.compile('^(\\s*)create\\s+view\\b', modules.re.IGNORECASE) -%}
    {%- if not pattern.search(create_sql) -%}
        {{ exceptions.raise_compiler_error('cannot turn into create or replace: ' ~ create_sql[:200]) }}
    {%- endif -%}
    {{ return(pattern.sub('\\1create or replace view', create_sql, count=1)) }}
{% endmacro %}
