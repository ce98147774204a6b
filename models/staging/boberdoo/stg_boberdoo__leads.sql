with

source as (

    select * from {{ source('boberdoo', 'leads') }}

),

renamed as (

    select
        cast(lead_id as {{ dbt.type_string() }}) as lead_id,
        cast(phone as {{ dbt.type_string() }}) as phone,
        cast(lead_type as {{ dbt.type_string() }}) as lead_type,
        cast(created_at as timestamp) as created_at
    from source

),

final as (

    select * from renamed

)

select * from final
