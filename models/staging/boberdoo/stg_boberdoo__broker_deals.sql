with

source as (

    select * from {{ source('boberdoo', 'broker_deals') }}

),

renamed as (

    select distinct
        cast(deal_id as {{ dbt.type_string() }}) as deal_id,
        cast(buyer_id as bigint) as mortgage_broker_id,
        cast(deal_type as {{ dbt.type_string() }}) as deal_type,
        cast(payout_amount as numeric(12, 2)) as payout_amount,
        cast(starts_at as timestamp) as starts_at,
        cast(ends_at as timestamp) as ends_at
    from source

),

final as (

    select * from renamed

)

select * from final
