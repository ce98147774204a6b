with

source as (

    select * from {{ source('boberdoo', 'dispositions') }}

),

renamed as (

    select
        cast(disposition_id as {{ dbt.type_string() }}) as disposition_id,
        cast(transaction_id as {{ dbt.type_string() }}) as transaction_id,
        cast(call_id as {{ dbt.type_string() }}) as call_id,
        cast(buyer_id as bigint) as mortgage_broker_id,
        cast(status as {{ dbt.type_string() }}) as disposition_status,
        cast(reported_at as timestamp) as reported_at
    from source

),

final as (

    select * from renamed

)

select * from final
