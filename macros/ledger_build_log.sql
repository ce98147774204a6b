{#-
    The build log analysts read through ledger_build_status: one row per `dbt build` or
    `dbt run` (its start, end, status, command and selection) and one row per node that
    failed, warned or errored in it (the node, the relation it checked, its failure count).

    Written by the run's own hooks, never by a model, so every build records itself whatever
    started it (the nightly job, `make test`, by hand), and a failed build is visible the
    moment it ends. The table lives in the audit schema (ledger_audit.ledger_build_log), which
    only the build writes. Several hooks, each one statement: Redshift's driver runs one
    statement per call, and each hook commits on its own, so a reader sees the running row
    as soon as the build starts and the failing nodes before the status that names them.

    Other commands (compile, docs, show, test, run-operation, seed, snapshot) record nothing.
-#}
{% macro ledger_build_log_records() %}
    {{ return(execute and flags.WHICH in ('build', 'run')) }}
{% endmacro %}

{% macro ledger_build_log_relation() %}
    {{ return(source('ledger_audit', 'ledger_build_log')) }}
{% endmacro %}

{% macro ledger_build_log_text(value, length) %}
    {%- if value is none -%}
        {{ return('null') }}
    {%- endif -%}
    {{ return("'" ~ (value | string)[:length].replace("'", "''") ~ "'") }}
{% endmacro %}

{% macro ledger_build_log_timestamp(value) %}
    {{ return("cast('" ~ value.strftime('%Y-%m-%d %H:%M:%S') ~ "' as " ~ dbt.type_timestamp() ~ ")") }}
{% endmacro %}

{#- on-run-start, 1 of 4: the audit schema, absent before the first build on a new warehouse. -#}
{% macro ledger_build_log_create_schema() %}
    {%- if ledger_build_log_records() -%}
        create schema if not exists {{ ledger_build_log_relation().schema }}
    {%- endif -%}
{% endmacro %}

{#- on-run-start, 2 of 4. Types every engine has (Redshift: no text, no unbounded varchar). -#}
{% macro ledger_build_log_create() %}
    {%- if ledger_build_log_records() -%}
        create table if not exists {{ ledger_build_log_relation() }} (
            invocation_id varchar(64),
            node_name varchar(512),
            dbt_command varchar(32),
            selection varchar(512),
            build_started_at timestamp,
            build_ended_at timestamp,
            status varchar(32),
            checked_relation varchar(512),
            failure_count bigint,
            note varchar(1024)
        )
    {%- endif -%}
{% endmacro %}

{#-
    on-run-start, 3 of 4: builds that started more than var('build_log_history_days') days
    ago are forgotten; one row per night and a few per failing night, so the log stays small.
-#}
{% macro ledger_build_log_forget_old() %}
    {%- if ledger_build_log_records() -%}
        {%- set days = ledger_setting('build_log_history_days', 'LEDGER_BUILD_LOG_HISTORY_DAYS') | int -%}
        delete from {{ ledger_build_log_relation() }}
        where build_started_at < {{ ledger_build_log_timestamp(run_started_at - modules.datetime.timedelta(days=days)) }}
    {%- endif -%}
{% endmacro %}

{#- The selection the command was given, e.g. "--selector nightly", or "all". -#}
{% macro ledger_build_log_selection() %}
    {%- set parts = [] -%}
    {%- for option in ('selector', 'select', 'exclude') -%}
        {%- set value = invocation_args_dict.get(option) -%}
        {%- if value -%}
            {%- do parts.append('--' ~ option ~ ' ' ~ (value | join(' ') if value is not string else value)) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(parts | join(' ') or 'all') }}
{% endmacro %}

{#- on-run-start, 4 of 4: this build, running. run_started_at (UTC): the same instant on every engine. -#}
{% macro ledger_build_log_start() %}
    {%- if ledger_build_log_records() -%}
        insert into {{ ledger_build_log_relation() }} (
            invocation_id, node_name, dbt_command, selection, build_started_at, status
        )
        values (
            {{ ledger_build_log_text(invocation_id, 64) }},
            null,
            {{ ledger_build_log_text(flags.WHICH, 32) }},
            {{ ledger_build_log_text(ledger_build_log_selection(), 512) }},
            {{ ledger_build_log_timestamp(run_started_at) }},
            'running'
        )
    {%- endif -%}
{% endmacro %}

{#-
    What a node checked, as a reader names it: "source boberdoo.leads", "model
    lead_sales_ledger"; for a model, seed or snapshot, itself.
-#}
{% macro ledger_build_log_checked_relation(node) %}
    {%- if node.resource_type in ('model', 'seed', 'snapshot') -%}
        {{ return(node.resource_type ~ ' ' ~ node.name) }}
    {%- endif -%}
    {%- if node.resource_type == 'unit_test' and node.model is defined -%}
        {{ return('model ' ~ node.model) }}
    {%- endif -%}
    {%- if node.test_metadata is defined and node.test_metadata -%}
        {%- set found = modules.re.search(
            "(source|ref)\(([^)]*)\)", node.test_metadata.kwargs.get('model', '') | string
        ) -%}
        {%- if found -%}
            {%- set parts = found.group(2).replace("'", '').replace('"', '').split(',') | map('trim') | list -%}
            {{ return(('source ' if found.group(1) == 'source' else 'model ') ~ parts | join('.')) }}
        {%- endif -%}
    {%- endif -%}
    {%- set upstream = [] -%}
    {%- for unique_id in node.depends_on.nodes if unique_id.split('.')[0] in ('model', 'seed', 'snapshot', 'source') -%}
        {%- do upstream.append(unique_id.split('.')[0] ~ ' ' ~ unique_id.split('.')[2:] | join('.')) -%}
    {%- endfor -%}
    {{ return(upstream | join(', ') or none) }}
{% endmacro %}

{#- on-run-end, 1 of 2: one row per node that failed, warned or errored. -#}
{% macro ledger_build_log_nodes(results) %}
    {%- if ledger_build_log_records() -%}
        {%- set rows = [] -%}
        {%- for result in results if result.status in ('error', 'fail', 'warn') and result.node.resource_type != 'operation' -%}
            {%- set node = result.node -%}
            {%- do rows.append(
                '(' ~ ledger_build_log_text(invocation_id, 64)
                ~ ', ' ~ ledger_build_log_text(node.name, 512)
                ~ ', ' ~ ledger_build_log_text(flags.WHICH, 32)
                ~ ', ' ~ ledger_build_log_timestamp(run_started_at)
                ~ ', ' ~ ledger_build_log_text(result.status, 32)
                ~ ', ' ~ ledger_build_log_text(ledger_build_log_checked_relation(node), 512)
                ~ ', ' ~ (result.failures | int if result.failures is not none else 'null')
                ~ ')'
            ) -%}
        {%- endfor -%}
        {%- if rows -%}
            insert into {{ ledger_build_log_relation() }} (
                invocation_id, node_name, dbt_command, build_started_at, status,
                checked_relation, failure_count
            )
            values
            {{ rows | join(',\n') }}
        {%- endif -%}
    {%- endif -%}
{% endmacro %}

{#-
    on-run-end, 2 of 2: the build's end and status. failed: a node failed or errored;
    passed: a build whose tests all passed or warned; not_tested: a `dbt run` (no tests)
    that built every node it selected.
-#}
{% macro ledger_build_log_end(results) %}
    {%- if ledger_build_log_records() -%}
        {%- set failed = results | selectattr('status', 'in', ['error', 'fail']) | list -%}
        {%- set status = 'failed' if failed else ('passed' if flags.WHICH == 'build' else 'not_tested') -%}
        update {{ ledger_build_log_relation() }}
        set
            build_ended_at = {{ ledger_build_log_timestamp(modules.datetime.datetime.now(modules.pytz.utc)) }},
            status = '{{ status }}'
        where invocation_id = {{ ledger_build_log_text(invocation_id, 64) }}
            and node_name is null
    {%- endif -%}
{% endmacro %}
