{#-
    The price snapshot's run log: one row per dbt invocation that ran the snapshot.

    The snapshot's own timestamps are billing's updated_at, not the times it ran, so they
    cannot tell a quiet week from a week without runs; and a price changed and changed back
    between two runs never reaches the history. The snapshot's post-hooks record each run
    here, beside the snapshot, so a data test can warn when runs are too far apart
    (tests/snapshots/assert_price_snapshot_runs_recent.sql) and the backup can carry the log
    (ledger_tools/snapshot_backup.py creates the same table on restore).
-#}
{% macro ledger_snapshot_run_log(snapshot_relation) %}
    {{ return(snapshot_relation.incorporate(
        path={'identifier': snapshot_relation.identifier ~ '_runs'}, type='table'
    )) }}
{% endmacro %}

{#- Two hooks, not one: Redshift's driver runs one statement per call. -#}
{% macro ledger_create_snapshot_run_log(snapshot_relation) %}
    create table if not exists {{ ledger_snapshot_run_log(snapshot_relation) }} (
        invocation_id varchar(64),
        run_at timestamp
    )
{% endmacro %}

{#- run_started_at, UTC, rather than the engine's clock: the same instant on every engine. -#}
{% macro ledger_record_snapshot_run(snapshot_relation) %}
    insert into {{ ledger_snapshot_run_log(snapshot_relation) }} (invocation_id, run_at)
    values (
        '{{ invocation_id }}',
        cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as timestamp)
    )
{% endmacro %}

{#-
    For scripts/snapshot_backup.py: where the snapshot, its run log and its source are, as
    this target and its vars name them, on one JSON log line.
-#}
{% macro ledger_snapshot_backup_relations() %}
    {%- set snapshot = ref('snap_billing__product_prices') -%}
    {%- set run_log = ledger_snapshot_run_log(snapshot) -%}
    {%- set source_table = source('billing', 'product_price') -%}
    {%- set found = {
        'snapshot': {'schema': snapshot.schema, 'identifier': snapshot.identifier},
        'run_log': {'schema': run_log.schema, 'identifier': run_log.identifier},
        'source': {'schema': source_table.schema, 'identifier': source_table.identifier},
    } -%}
    {{ log(tojson(found), info=True) }}
{% endmacro %}
