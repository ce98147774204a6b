{# Spec 3.4: one row per billable call, for the campaign's payout, billed to its buyer. #}

with

calls as (

    select * from {{ ref('int_calls_attributed') }}

),

final as (

    select
        {{ ledger_row_columns(
            ledger_id="'call:' || call_id",
            deal_type="'cbm_call'",
            event_type="'call'",
            source_id='call_id',
            lead_type='lead_type',
            lead_id='lead_id',
            call_id='call_id',
            mortgage_broker_id='mortgage_broker_id',
            event_at='started_at',
            billed_amount='payout_amount',
            matched_lead_count='matched_lead_count',
        ) }}
    from calls
    where is_billable

)

select * from final
