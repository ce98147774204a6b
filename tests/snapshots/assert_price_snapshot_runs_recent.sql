{#
    Warns when the price snapshot went too long without running: a price changed and
    changed back between two runs never reaches the history, and deliveries of that window
    were priced at the wrong version. Two gaps are measured, from the run log the snapshot's
    hooks keep (macros/snapshot_run_log.sql): between its last two runs (in a build, the
    one that just ran and the one before), and from its last run to the start of this
    invocation (a `dbt test` alone, or a build that left the snapshot out). The limit is
    var('snapshot_max_gap_hours'), or LEDGER_SNAPSHOT_MAX_GAP_HOURS; the README's runbook
    says what to do.
#}
{{ config(severity='warn', tags=['snapshot_staleness']) }}

{%- set max_gap_hours = ledger_setting('snapshot_max_gap_hours', 'LEDGER_SNAPSHOT_MAX_GAP_HOURS') | float -%}
{%- set now = run_started_at.strftime("%Y-%m-%d %H:%M:%S") %}

with

runs as (

    select run_at from {{ ledger_snapshot_run_log(ref('snap_billing__product_prices')) }}

),

ranked as (

    select
        run_at,
        row_number() over (order by run_at desc) as run_rank
    from runs

),

latest_run as (

    select run_at from ranked
    where run_rank = 1

),

previous_run as (

    select run_at from ranked
    where run_rank = 2

),

gaps as (

    select
        'between the last two snapshot runs' as gap,
        previous_run.run_at as gap_from,
        latest_run.run_at as gap_to
    from latest_run
    cross join previous_run

    union all

    select
        'since the last snapshot run' as gap,
        run_at as gap_from,
        cast('{{ now }}' as timestamp) as gap_to
    from latest_run

),

measured as (

    select
        gap,
        gap_from,
        gap_to,
        {{ dbt.datediff('gap_from', 'gap_to', 'second') | trim }} as gap_seconds
    from gaps

),

final as (

    select
        gap,
        gap_from,
        gap_to,
        cast(gap_seconds / 3600.0 as numeric(12, 1)) as gap_hours,
        cast({{ max_gap_hours }} as numeric(12, 1)) as max_gap_hours
    from measured
    where gap_seconds > {{ (max_gap_hours * 3600) | int }}

)

select * from final
