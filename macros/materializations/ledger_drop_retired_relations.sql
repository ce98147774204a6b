{#
    On-run-end hook SQL: drops what the PostgreSQL view materialization retired, once no view
    depends on it any more (a plain DROP, never CASCADE: a relation still read by a view a
    failed build did not rebuild stays until a later run rebuilds that view). Each drop
    waits at most pg_lock_timeout; one that cannot be done now is left for the next run.
#}
{% macro ledger_drop_retired_relations() %}
    {%- if execute and target.type == 'postgres' -%}
        {%- set cleanup -%}
            do $ledger_cleanup$
            declare
                retired record;
                dropped integer;
            begin
                perform pg_catalog.set_config('lock_timeout', '{{ ledger_setting("pg_lock_timeout", "LEDGER_PG_LOCK_TIMEOUT") }}', true);
                loop
                    dropped := 0;
                    for retired in
                        select c.oid, c.relkind, n.nspname, c.relname
                        from pg_catalog.pg_class as c
                        inner join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
                        where n.nspname = '{{ target.schema }}_retired'
                            and c.relkind in ('v', 'r')
                            and not exists (
                                select 1
                                from pg_catalog.pg_depend as d
                                inner join pg_catalog.pg_rewrite as r on r.oid = d.objid
                                where d.classid = 'pg_catalog.pg_rewrite'::regclass
                                    and d.refobjid = c.oid
                                    and r.ev_class <> c.oid
                            )
                    loop
                        begin
                            execute format(
                                'drop %s %I.%I',
                                case when retired.relkind = 'v' then 'view' else 'table' end,
                                retired.nspname,
                                retired.relname
                            );
                            dropped := dropped + 1;
                        exception when lock_not_available then
                            null;
                        end;
                    end loop;
                    exit when dropped = 0;
                end loop;
            end
            $ledger_cleanup$
        {%- endset -%}
        {{ return(cleanup) }}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}
