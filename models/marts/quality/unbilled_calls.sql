{#
    Calls that earned nothing, with the reason, for review: calls of unknown campaigns (which
    also raise a warning in the build), calls with no campaign terms in force, and calls
    shorter than the campaign's minimum.
#}

with

calls as (

    select * from {{ ref('int_calls_priced') }}

),

final as (

    select
        call_id,
        campaign_id,
        caller_phone,
        started_at,
        duration_seconds,
        min_duration_seconds,
        unbilled_reason,
        lead_id,
        lead_type,
        matched_lead_count
    from calls
    where not is_billable

)

select * from final
