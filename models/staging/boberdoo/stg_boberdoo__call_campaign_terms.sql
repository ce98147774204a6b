with

source as (

    select * from {{ source('boberdoo', 'call_campaigns') }}

),

renamed as (

    select distinct
        {{ staged_columns('boberdoo', 'call_campaigns', renames={
            'buyer_id': 'mortgage_broker_id',
        }) | indent(8) }}
    from source

),

final as (

    select
        *,
        campaign_id || '@' || cast(starts_at as {{ dbt.type_string() }}) as campaign_term_id
    from renamed

)

select * from final
