{#
    Spec 3.4: a call is attributed to the latest lead with the caller's phone created at or
    before the call (ties to the greatest lead_id). matched_lead_count says how many leads
    shared the phone; the call stays one row however many there are, which is what the old
    process got wrong.
#}

with

calls as (

    select * from {{ ref('stg_invoca__calls') }}

),

leads as (

    select * from {{ ref('stg_boberdoo__leads') }}

),

candidate_leads as (

    select
        calls.call_id,
        leads.lead_id,
        leads.lead_type,
        leads.created_at
    from calls
    inner join leads
        on
            calls.caller_phone = leads.phone
            and calls.started_at >= leads.created_at

),

ranked_leads as (

    select
        *,
        row_number() over (
            partition by call_id
            order by created_at desc, lead_id desc
        ) as lead_rank,
        count(*) over (partition by call_id) as matched_lead_count
    from candidate_leads

),

attributed_leads as (

    select * from ranked_leads
    where lead_rank = 1

),

final as (

    select
        calls.call_id,
        calls.campaign_id,
        calls.caller_phone,
        calls.started_at,
        calls.duration_seconds,
        attributed_leads.lead_id,
        attributed_leads.lead_type,
        coalesce(attributed_leads.matched_lead_count, 0) as matched_lead_count
    from calls
    left join attributed_leads
        on calls.call_id = attributed_leads.call_id

)

select * from final
