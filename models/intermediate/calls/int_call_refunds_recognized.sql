{#
    Spec 3.5 for calls: a returned billed call is refunded once, at its first `returned`
    report, for minus its payout, so it nets to zero; a call that was never billable
    recognized nothing, so its return adds no row. The refund repeats the call's lead and
    matched_lead_count (macro attribute_calls_to_leads, as for the call itself).

    The first return is found by the macro first_report_per_item, so a date filter on
    the refund reaches the dispositions scan. Reports are matched on the call and the buyer
    of its terms (a report by another broker fails the build), so a broker filter reaches
    every table.

    The returns are joined to their calls and terms first, and only those calls to their
    candidate leads, as int_call_lead_candidates_joined matches them: DuckDB does not move
    an inner join below left joins, so joining the returns to that view attributed every
    call of the year before keeping the returned ones.
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

first_returns as (

    {{ first_report_per_item('call_id', 'returned') }}

),

returned_billable_calls as (

    select
        calls.call_id,
        campaign_terms.mortgage_broker_id,
        campaign_terms.payout_amount,
        first_returns.reported_at as returned_at,
        leads.lead_id,
        leads.lead_type,
        leads.created_at as lead_created_at
    from first_returns
    inner join calls
        on first_returns.call_id = calls.call_id
    inner join campaign_terms
        on
            calls.campaign_id = campaign_terms.campaign_id
            and first_returns.mortgage_broker_id = campaign_terms.mortgage_broker_id
            and {{ interval_contains(
                'campaign_terms.starts_at', 'campaign_terms.ends_at', 'calls.started_at'
            ) }}
    left join leads
        on
            calls.caller_phone = leads.phone
            and leads.created_at <= calls.started_at
    where calls.duration_seconds >= campaign_terms.min_duration_seconds

),

returned_calls as (

    {{ attribute_calls_to_leads('returned_billable_calls', [
        'call_id',
        'mortgage_broker_id',
        'payout_amount',
        'returned_at',
    ], ['call_id', 'mortgage_broker_id', 'returned_at']) }}

),

final as (

    select
        {{ ledger_row_columns(
            ledger_id="'refund:call:' || call_id",
            deal_type="'cbm_call'",
            event_type="'refund'",
            source_id='call_id',
            lead_type='lead_type',
            lead_id='lead_id',
            call_id='call_id',
            mortgage_broker_id='mortgage_broker_id',
            event_at='returned_at',
            billed_amount='-payout_amount',
            matched_lead_count='matched_lead_count',
        ) }}
    from returned_calls

)

select * from final
