{#
    Calls that earned nothing, with the reason, for review: calls of unknown campaigns (which
    also raise a warning in the build), calls with no campaign terms in force, and calls
    shorter than the campaign's minimum. The caller's phone is personal data: masked to its
    last 4 digits, as in the logs (macro mask_personal_column).
#}

with

calls as (

    select * from {{ ref('int_calls_priced') }}

),

final as (

    select
        call_id,
        campaign_id,
        {{ mask_personal_column('caller_phone') }} as caller_phone,
        started_at,
        cast(duration_seconds as bigint) as duration_seconds,
        cast(min_duration_seconds as bigint) as min_duration_seconds,
        unbilled_reason,
        lead_id,
        lead_type,
        cast(matched_lead_count as bigint) as matched_lead_count
    from calls
    where not is_billable

)

select * from final
