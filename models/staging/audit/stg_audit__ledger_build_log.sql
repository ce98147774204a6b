with

source as (

    select * from {{ source('ledger_audit', 'ledger_build_log') }}

),

renamed as (

    select
        cast(invocation_id as {{ dbt.type_string() }}) as invocation_id,
        cast(node_name as {{ dbt.type_string() }}) as node_name,
        cast(dbt_command as {{ dbt.type_string() }}) as dbt_command,
        cast(selection as {{ dbt.type_string() }}) as selection,
        cast(build_started_at as timestamp) as build_started_at,
        cast(build_ended_at as timestamp) as build_ended_at,
        cast(status as {{ dbt.type_string() }}) as status,
        cast(checked_relation as {{ dbt.type_string() }}) as checked_relation,
        cast(failure_count as bigint) as failure_count,
        cast(note as {{ dbt.type_string() }}) as note
    from source

),

final as (

    select * from renamed

)

select * from final
