{#
    Spec 3.5 for calls: a returned billed call is refunded once, at its first `returned`
    report, for minus its payout, so it nets to zero; a call that was never billable
    recognized nothing, so its return adds no row. The refund repeats the call's lead and
    matched_lead_count (macro attribute_calls_to_leads, as for the call itself).

    The first return is found by the macro first_report_per_item, so a date filter on
    the refund reaches the dispositions scan. Reports are matched on the call and the buyer
    of its terms (a report by another broker fails the build), so a broker filter reaches
    every table.
#}

with

call_candidates as (

    select * from {{ ref('int_call_lead_candidates_joined') }}

),

this_dispositions as (

    select * from {{ ref('stg_boberdoo__dispositions') }}

),

other_dispositions as (

    select * from {{ ref('stg_boberdoo__dispositions') }}

),

first_returns as (

    {{ first_report_per_item('this_dispositions', 'other_dispositions', 'call_id', 'returned') }}

),

returned_billable_calls as (

    select
        call_candidates.*,
        first_returns.reported_at as returned_at
    from first_returns
    inner join call_candidates
        on
            first_returns.call_id = call_candidates.call_id
            and first_returns.mortgage_broker_id = call_candidates.mortgage_broker_id
    where call_candidates.duration_seconds >= call_candidates.min_duration_seconds

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
