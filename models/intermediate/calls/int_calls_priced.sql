{#
    Spec 3.4: each call once, with the terms of its campaign in force when it started and the
    lead it is attributed to (the latest lead with the caller's phone created at or before
    the call, ties to the greatest lead_id); matched_lead_count says how many leads shared the
    phone, which the old process got wrong. A call is billable when its campaign's terms
    active at started_at exist and it lasted at least min_duration_seconds. Calls that are not
    billable keep their reason, so they can be listed for review instead of vanishing.
#}

with

candidate_leads as (

    select * from {{ ref('int_call_lead_candidates_joined') }}

),

campaign_terms as (

    select * from {{ ref('stg_boberdoo__call_campaign_terms') }}

),

known_campaigns as (

    select distinct campaign_id from campaign_terms

),

attributed as (

    {{ attribute_calls_to_leads('candidate_leads', [
        'call_id',
        'campaign_id',
        'caller_phone',
        'started_at',
        'duration_seconds',
        'campaign_term_id',
        'mortgage_broker_id',
        'payout_amount',
        'min_duration_seconds',
    ]) }}

),

classified as (

    select
        attributed.call_id,
        attributed.campaign_id,
        attributed.caller_phone,
        attributed.started_at,
        attributed.duration_seconds,
        attributed.lead_id,
        attributed.lead_type,
        attributed.matched_lead_count,
        known_campaigns.campaign_id is not null as is_known_campaign,
        attributed.campaign_term_id,
        attributed.mortgage_broker_id,
        attributed.payout_amount,
        attributed.min_duration_seconds,
        case
            when known_campaigns.campaign_id is null then 'unknown_campaign'
            when attributed.campaign_term_id is null then 'no_active_terms'
            when attributed.duration_seconds < attributed.min_duration_seconds then 'too_short'
        end as unbilled_reason
    from attributed
    left join known_campaigns
        on attributed.campaign_id = known_campaigns.campaign_id

),

final as (

    select
        *,
        unbilled_reason is null as is_billable
    from classified

)

select * from final
