with

source as (

    select * from {{ source('boberdoo', 'call_campaigns') }}

),

renamed as (

    select distinct
        cast(campaign_id as {{ dbt.type_string() }}) as campaign_id,
        cast(buyer_id as bigint) as mortgage_broker_id,
        cast(payout_amount as numeric(12, 2)) as payout_amount,
        cast(min_duration_seconds as integer) as min_duration_seconds,
        cast(starts_at as timestamp) as starts_at,
        cast(ends_at as timestamp) as ends_at
    from source

),

final as (

    select
        *,
        campaign_id || '@' || cast(starts_at as {{ dbt.type_string() }}) as campaign_term_id
    from renamed

)

select * from final
