{#
    What the last build validated: the latest build (running, passed, failed) and, when it
    did not pass, every build back to the last one that passed; for each, one row of its
    own (node_name null) and one per node that failed, warned or errored, with its count.
    After a passing build that is one row, plus one per warning.

    The log is a few rows per build (macros/ledger_build_log.sql writes it from the
    build's hooks), so it is imported once per role it plays rather than read once.
    A build left 'running' while a later one started was stopped: it shows as interrupted.
#}

with

build_rows as (

    select * from {{ ref('stg_audit__ledger_build_log') }}

),

node_rows as (

    select * from {{ ref('stg_audit__ledger_build_log') }}

),

all_builds as (

    select * from {{ ref('stg_audit__ledger_build_log') }}

),

passed_builds as (

    select * from {{ ref('stg_audit__ledger_build_log') }}

),

latest_build as (

    select max(build_started_at) as build_started_at
    from all_builds
    where node_name is null

),

last_passed_build as (

    select max(build_started_at) as build_started_at
    from passed_builds
    where
        node_name is null
        and status = 'passed'

),

shown_builds as (

    select
        build_rows.invocation_id,
        build_rows.dbt_command,
        build_rows.selection,
        build_rows.build_started_at,
        build_rows.build_ended_at,
        case
            when
                build_rows.status = 'running'
                and build_rows.build_started_at < latest_build.build_started_at
                then 'interrupted'
            else build_rows.status
        end as build_status,
        coalesce(
            build_rows.build_started_at = latest_build.build_started_at, false
        ) as is_latest_build,
        build_rows.note
    from build_rows
    cross join latest_build
    cross join last_passed_build
    where
        build_rows.node_name is null
        and build_rows.build_started_at
        >= coalesce(last_passed_build.build_started_at, build_rows.build_started_at)

),

builds_themselves as (

    select
        invocation_id,
        build_started_at,
        build_ended_at,
        build_status,
        is_latest_build,
        dbt_command,
        selection,
        cast(null as {{ dbt.type_string() }}) as node_name,
        cast(null as {{ dbt.type_string() }}) as node_status,
        cast(null as {{ dbt.type_string() }}) as checked_relation,
        cast(null as bigint) as failure_count,
        note
    from shown_builds

),

their_nodes as (

    select
        shown_builds.invocation_id,
        shown_builds.build_started_at,
        shown_builds.build_ended_at,
        shown_builds.build_status,
        shown_builds.is_latest_build,
        shown_builds.dbt_command,
        shown_builds.selection,
        node_rows.node_name,
        node_rows.status as node_status,
        node_rows.checked_relation,
        node_rows.failure_count,
        node_rows.note
    from node_rows
    inner join shown_builds
        on node_rows.invocation_id = shown_builds.invocation_id
    where node_rows.node_name is not null

),

final as (

    select * from builds_themselves
    union all
    select * from their_nodes

)

select * from final
