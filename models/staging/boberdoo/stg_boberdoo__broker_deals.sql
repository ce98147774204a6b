with

source as (

    select * from {{ source('boberdoo', 'broker_deals') }}

),

renamed as (

    select distinct
        {{ staged_columns('boberdoo', 'broker_deals', renames={
            'buyer_id': 'mortgage_broker_id',
        }) | indent(8) }}
    from source

),

final as (

    select * from renamed

)

select * from final
