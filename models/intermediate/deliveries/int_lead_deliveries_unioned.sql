{# The four delivery tables' staging models (macro stage_lead_delivery), one after the other. #}

with

unioned as (

    {{ union_all_models([
        'stg_billing__professional_lead_deliveries',
        'stg_billing__construction_lead_deliveries',
        'stg_billing__hard_money_lead_deliveries',
        'stg_billing__land_lead_deliveries',
    ]) }}

),

final as (

    select * from unioned

)

select * from final
