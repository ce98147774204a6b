{#
    Spec 3.4: every call with why it is not billed, so that calls earning nothing are listed
    for review instead of vanishing: an unknown campaign (no terms at any time), no terms in
    force at started_at, or shorter than the campaign's minimum: int_calls_attributed's
    columns and the two that say why.
#}

with

calls as (

    select * from {{ ref('int_calls_attributed') }}

),

campaign_terms as (

    select * from {{ ref('stg_boberdoo__call_campaign_terms') }}

),

known_campaigns as (

    select distinct campaign_id from campaign_terms

),

final as (

    select
        calls.*,
        known_campaigns.campaign_id is not null as is_known_campaign,
        case
            when known_campaigns.campaign_id is null then 'unknown_campaign'
            when calls.campaign_term_id is null then 'no_active_terms'
            when calls.duration_seconds < calls.min_duration_seconds then 'too_short'
        end as unbilled_reason
    from calls
    left join known_campaigns
        on calls.campaign_id = known_campaigns.campaign_id

)

select * from final
