{#
    Spec 3.4: a call is billable when its campaign's terms active at started_at exist and it
    lasted at least min_duration_seconds. Calls that are not billable keep their reason, so
    they can be listed for review instead of vanishing.
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

with_terms as (

    select
        calls.*,
        known_campaigns.campaign_id is not null as is_known_campaign,
        campaign_terms.campaign_term_id,
        campaign_terms.mortgage_broker_id,
        campaign_terms.payout_amount,
        campaign_terms.min_duration_seconds
    from calls
    left join known_campaigns
        on calls.campaign_id = known_campaigns.campaign_id
    left join campaign_terms
        on
            calls.campaign_id = campaign_terms.campaign_id
            and {{ interval_contains(
                'campaign_terms.starts_at', 'campaign_terms.ends_at', 'calls.started_at'
            ) }}

),

classified as (

    select
        *,
        case
            when not is_known_campaign then 'unknown_campaign'
            when campaign_term_id is null then 'no_active_terms'
            when duration_seconds < min_duration_seconds then 'too_short'
        end as unbilled_reason
    from with_terms

),

final as (

    select
        *,
        unbilled_reason is null as is_billable
    from classified

)

select * from final
