{#
    PostgreSQL. A view's dependents are bound to it by OID, which is why dbt's
    drop-with-CASCADE took every downstream mart with it. Here:

    - unchanged (same deparsed definition and columns as a temporary candidate view):
      no DDL, no lock;
    - same leading columns: `create or replace view`, which locks this view only;
    - otherwise (columns removed, renamed or retyped, or a table in the way): the old
      relation is moved to the `<schema>_retired` schema and the new view created, in one
      transaction. Dependents follow the old relation by OID, so they keep answering, with
      their old definitions, until dbt rebuilds them later in the same run against the new
      view; ledger_drop_retired_relations (on-run-end) drops retired relations nothing
      reads any more. Nothing is dropped with CASCADE.

    Every attempt sets `lock_timeout` (var pg_lock_timeout) so the build never queues for
    long in front of analysts' queries; a lock not granted is retried (pg_lock_attempts,
    pg_lock_retry_pause_seconds) and each miss names the sessions holding the view.
#}
{% macro postgres__ledger_replace_view(relation, existing, sql) %}
    {%- if existing is none -%}
        {%- call statement('main') -%}
            {{ get_create_view_as_sql(relation, sql) }}
        {%- endcall -%}
        {{ return('created') }}
    {%- endif -%}

    {%- set verdict = ledger_pg_view_verdict(relation, sql) -%}
    {%- if verdict == 'unchanged' -%}
        {%- call statement('main') -%}
            select 'unchanged' as ledger_view_outcome
        {%- endcall -%}
        {{ return('unchanged') }}
    {%- endif -%}

    {%- if verdict == 'compatible' -%}
        {%- set statements = [ledger_create_or_replace_view_sql(relation, sql)] -%}
        {%- set outcome = 'replaced' -%}
    {%- else -%}
        {%- set retired_schema = target.schema ~ '_retired' -%}
        {%- set retired_name = relation.identifier[:40] ~ '__' ~ invocation_id[:8] -%}
        {%- set kind = 'view' if existing.type == 'view' else 'table' -%}
        {%- do run_query('create schema if not exists ' ~ adapter.quote(retired_schema)) -%}
        {%- set statements = [
            'alter ' ~ kind ~ ' ' ~ relation ~ ' rename to ' ~ adapter.quote(retired_name),
            'alter ' ~ kind ~ ' ' ~ relation.incorporate(path={'identifier': retired_name})
                ~ ' set schema ' ~ adapter.quote(retired_schema),
            get_create_view_as_sql(relation, sql),
        ] -%}
        {%- set outcome = 'swapped (old ' ~ kind ~ ' retired to ' ~ retired_schema ~ '.' ~ retired_name ~ ')' -%}
    {%- endif -%}

    {%- do ledger_pg_execute_with_lock_retries(relation, statements) -%}
    {{ return(outcome) }}
{% endmacro %}


{#- unchanged / compatible / incompatible, against a temporary candidate view of `sql`. -#}
{% macro ledger_pg_view_verdict(relation, sql) %}
    {%- set existing = "'" ~ relation.include(database=False) ~ "'::regclass" -%}
    {%- set candidate = "'pg_temp.ledger_view_candidate'::regclass" -%}
    {%- call statement('ledger_view_candidate') -%}
        create or replace temporary view ledger_view_candidate as (
            {{ sql }}
        )
    {%- endcall -%}
    {%- set verdict_sql -%}
        with
        existing_columns as (
            select attnum, attname, atttypid, atttypmod, attcollation
            from pg_catalog.pg_attribute
            where attrelid = {{ existing }} and attnum > 0 and not attisdropped
        ),
        candidate_columns as (
            select attnum, attname, atttypid, atttypmod, attcollation
            from pg_catalog.pg_attribute
            where attrelid = {{ candidate }} and attnum > 0 and not attisdropped
        ),
        kept as (
            select count(*) as kept_count
            from existing_columns
            inner join candidate_columns
                using (attnum, attname, atttypid, atttypmod, attcollation)
        )
        select
            case
                when c.relkind <> 'v' then 'incompatible'
                when kept.kept_count = (select count(*) from existing_columns)
                    and kept.kept_count = (select count(*) from candidate_columns)
                    and pg_catalog.pg_get_viewdef(c.oid) = pg_catalog.pg_get_viewdef({{ candidate }})
                    then 'unchanged'
                when kept.kept_count = (select count(*) from existing_columns) then 'compatible'
                else 'incompatible'
            end as verdict
        from pg_catalog.pg_class as c
        cross join kept
        where c.oid = {{ existing }}
    {%- endset -%}
    {%- set verdict = run_query(verdict_sql).columns[0].values()[0] -%}
    {%- do run_query('drop view pg_temp.ledger_view_candidate') -%}
    {{ return(verdict) }}
{% endmacro %}


{#
    Runs `statements` in the model's transaction, each attempt with lock_timeout, inside a
    PL/pgSQL exception block: a lock not granted rolls the attempt back (releasing what it
    held, so readers flow again during the pause) and returns the sessions holding `relation`.
    `statement_name` is the dbt statement each attempt runs as ('main' for the replacement).
#}
{% macro ledger_pg_execute_with_lock_retries(relation, statements, statement_name='main') %}
    {%- set lock_timeout = ledger_setting('pg_lock_timeout', 'LEDGER_PG_LOCK_TIMEOUT') -%}
    {%- set attempts = ledger_setting('pg_lock_attempts', 'LEDGER_PG_LOCK_ATTEMPTS') | int -%}
    {%- set pause = ledger_setting('pg_lock_retry_pause_seconds', 'LEDGER_PG_LOCK_RETRY_PAUSE_SECONDS') | float -%}
    {%- for statement in statements if '$ledger_sql$' in statement -%}
        {{ exceptions.raise_compiler_error('the model SQL contains the quote tag $ledger_sql$') }}
    {%- endfor -%}
    {%- do run_query(ledger_pg_try_ddl_function()) -%}
    {%- set state = namespace(done=false, blockers=none) -%}
    {%- for attempt in range(1, attempts + 1) -%}
        {%- if not state.done -%}
            {%- call statement(statement_name, fetch_result=True) -%}
                select pg_temp.ledger_try_ddl(
                    array[
                        {%- for statement in statements %}
                        $ledger_sql${{ statement }}$ledger_sql${{ ',' if not loop.last }}
                        {%- endfor %}
                    ]::text[],
                    '{{ relation.include(database=False) }}'::regclass,
                    '{{ lock_timeout }}'
                ) as blockers
            {%- endcall -%}
            {%- set state.blockers = load_result(statement_name)['data'][0][0] -%}
            {%- if state.blockers is none -%}
                {%- set state.done = true -%}
            {%- elif attempt < attempts -%}
                {%- do exceptions.warn(
                    'lock on ' ~ relation ~ ' not granted within ' ~ lock_timeout
                    ~ ' (attempt ' ~ attempt ~ ' of ' ~ attempts ~ '), held by ' ~ state.blockers
                    ~ '; retrying in ' ~ pause ~ ' s'
                ) -%}
                {%- do run_query('select pg_catalog.pg_sleep(' ~ pause ~ ')') -%}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if not state.done -%}
        {%- do exceptions.raise_database_error(
            'LOCK NOT GRANTED: ' ~ relation ~ ' could not be replaced: ' ~ attempts
            ~ ' attempts of ' ~ lock_timeout ~ ' each were blocked by ' ~ state.blockers
            ~ '. The view was left as it was. End that session or its open transaction'
            ~ ' (select pg_terminate_backend(<pid>)) and run the job again.'
        ) -%}
    {%- endif -%}
{% endmacro %}


{% macro ledger_pg_try_ddl_function() %}
    create or replace function pg_temp.ledger_try_ddl(
        statements text[], locked regclass, wait text
    ) returns text language plpgsql as $ledger_fn$
    declare
        ddl text;
        holder record;
        holders text := '';
    begin
        perform pg_catalog.set_config('lock_timeout', wait, true);
        begin
            foreach ddl in array statements loop
                execute ddl;
            end loop;
            return null;
        exception when lock_not_available then
            for holder in
                select
                    a.pid,
                    a.usename,
                    a.state,
                    to_char(a.query_start at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS') as query_start,
                    left(split_part(btrim(a.query, E' \t\r\n'), E'\n', 1), 120) as first_line
                from pg_catalog.pg_stat_activity as a
                where a.pid in (
                    select l.pid
                    from pg_catalog.pg_locks as l
                    where l.relation = locked and l.granted and l.pid <> pg_catalog.pg_backend_pid()
                )
                order by a.pid
            loop
                holders := holders || format(
                    '%spid %s (user %s, state %s, query started %s UTC, query: %s)',
                    case when holders = '' then '' else '; ' end,
                    holder.pid, holder.usename, holder.state, holder.query_start, holder.first_line
                );
            end loop;
            return coalesce(nullif(holders, ''), 'a session that has released it since');
        end;
    end
    $ledger_fn$
{% endmacro %}
