with

conversions as (

    select * from {{ ref('int_sale_conversions_priced') }}

),

final as (

    select
        {{ ledger_row_columns(
            ledger_id="'conversion:' || transaction_id",
            deal_type='deal_type',
            event_type="'conversion'",
            source_id='transaction_id',
            lead_type='lead_type',
            lead_id='lead_id',
            mortgage_broker_id='mortgage_broker_id',
            event_at='converted_at',
            billed_amount='payout_amount',
        ) }}
    from conversions

)

select * from final
