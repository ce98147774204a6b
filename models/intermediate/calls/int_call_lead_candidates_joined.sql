{#
    Every call with the campaign terms in force when it started and every lead its caller
    could be attributed to (spec 3.4: a lead with the caller's phone, created at or before the
    call): one row per call and candidate lead, one row with no lead when there is none.
    A plain join, neither grouped nor ranked, so that the planner folds it into whatever reads
    it: a filter on the call's start, campaign or billed broker reaches the calls and campaign
    scans, and leads are probed by phone. The call and its refund pick their lead from here
    at their own grain (macro attribute_calls_to_leads).
#}

with

calls as (

    select * from {{ ref('stg_invoca__calls') }}

),

campaign_terms as (

    select * from {{ ref('stg_boberdoo__call_campaign_terms') }}

),

leads as (

    select * from {{ ref('stg_boberdoo__leads') }}

),

final as (

    select
        calls.call_id,
        calls.campaign_id,
        calls.caller_phone,
        calls.started_at,
        calls.duration_seconds,
        campaign_terms.campaign_term_id,
        campaign_terms.mortgage_broker_id,
        campaign_terms.payout_amount,
        campaign_terms.min_duration_seconds,
        leads.lead_id,
        leads.lead_type,
        leads.created_at as lead_created_at
    from calls
    left join campaign_terms
        on
            calls.campaign_id = campaign_terms.campaign_id
            and {{ interval_contains(
                'campaign_terms.starts_at', 'campaign_terms.ends_at', 'calls.started_at'
            ) }}
    left join leads
        on
            calls.caller_phone = leads.phone
            and leads.created_at <= calls.started_at

)

select * from final
