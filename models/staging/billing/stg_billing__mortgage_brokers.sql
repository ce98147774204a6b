with

source as (

    select * from {{ source('billing', 'mortgage_broker') }}

),

renamed as (

    select distinct
        {{ staged_columns('billing', 'mortgage_broker', renames={
            'id': 'mortgage_broker_id',
            'name': 'broker_name',
        }) | indent(8) }}
    from source

),

final as (

    select * from renamed

)

select * from final
