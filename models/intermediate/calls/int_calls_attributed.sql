{#
    Spec 3.4: each call once, with the terms of its campaign in force when it started and the
    lead it is attributed to: the latest lead with the caller's phone created at or before
    the call, ties to the greatest lead_id. matched_lead_count says how many leads shared the
    phone; the call stays one row however many there are, which the old process got wrong.
    A call is billable when those terms exist and it lasted at least min_duration_seconds.
    The ledger reads this, not int_calls_priced: telling an unknown campaign from a known one
    needs the whole campaign list, which one broker's read has no need to scan.
#}

with

candidate_leads as (

    select * from {{ ref('int_call_lead_candidates_joined') }}

),

attributed as (

    {{ attribute_calls_to_leads(
        'candidate_leads',
        ['call_id', 'started_at', 'mortgage_broker_id', 'campaign_term_id'],
        ['call_id', 'started_at', 'mortgage_broker_id'],
        ['campaign_id', 'caller_phone', 'duration_seconds', 'payout_amount', 'min_duration_seconds'],
    ) }}

),

final as (

    select
        call_id,
        campaign_id,
        caller_phone,
        started_at,
        duration_seconds,
        lead_id,
        lead_type,
        matched_lead_count,
        campaign_term_id,
        mortgage_broker_id,
        {#- max() of a numeric(12,2) is a numeric of no declared scale on PostgreSQL. #}
        cast(payout_amount as numeric(12, 2)) as payout_amount,
        min_duration_seconds,
        (
            campaign_term_id is not null
            and not coalesce(duration_seconds < min_duration_seconds, false)
        ) as is_billable
    from attributed

)

select * from final
