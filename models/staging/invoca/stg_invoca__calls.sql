with

source as (

    select * from {{ source('invoca', 'calls') }}

),

renamed as (

    select
        cast(call_id as {{ dbt.type_string() }}) as call_id,
        cast(campaign_id as {{ dbt.type_string() }}) as campaign_id,
        cast(caller_phone as {{ dbt.type_string() }}) as caller_phone,
        cast(started_at as timestamp) as started_at,
        cast(duration_seconds as integer) as duration_seconds
    from source

),

final as (

    select * from renamed

)

select * from final
