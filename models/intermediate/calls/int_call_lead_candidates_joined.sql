{#
    Every call with the campaign terms in force when it started and every lead its caller
    could be attributed to (spec 3.4: a lead with the caller's phone, created at or before the
    call): one row per call and candidate lead, one row with no lead when there is none.
    A plain join, neither grouped nor ranked, and without import CTEs on purpose: PostgreSQL
    folds a view into its reader only when it has no WITH clause, and only then does a filter
    on the call's start, campaign or billed broker reach the calls and campaign scans, and
    leads are probed by phone. The call and its refund pick their lead from here at their
    own grain (macro attribute_calls_to_leads).
#}

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
from {{ ref('stg_invoca__calls') }} as calls
left join {{ ref('stg_boberdoo__call_campaign_terms') }} as campaign_terms
    on
        calls.campaign_id = campaign_terms.campaign_id
        and {{ interval_contains(
            'campaign_terms.starts_at', 'campaign_terms.ends_at', 'calls.started_at'
        ) }}
left join {{ ref('stg_boberdoo__leads') }} as leads
    on
        calls.caller_phone = leads.phone
        and leads.created_at <= calls.started_at
