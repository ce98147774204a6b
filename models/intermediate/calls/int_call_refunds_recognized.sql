{#
    Spec 3.5 for calls: a returned billed call is refunded once, at its first `returned`
    report, for minus its payout, so it nets to zero; a call that was never billable
    recognized nothing, so its return adds no row. The refund repeats the call's lead and
    matched_lead_count (macro attribute_calls_to_leads, as for the call itself).

    The first return is the report no other return of the call precedes, grouped by the call
    and that report's instant: the refund's event_at is a grouping key, so a date filter on
    the ledger reaches the dispositions scan. Reports are matched on the call and the buyer
    of its terms (a report by another broker fails the build), so a broker filter reaches
    every table. Each CTE is read once: a CTE read twice is computed whole, before any
    filter, by DuckDB and PostgreSQL.
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

this_return as (

    select
        call_id,
        mortgage_broker_id,
        reported_at
    from this_dispositions
    where
        call_id is not null
        and disposition_status = 'returned'

),

other_return as (

    select
        call_id,
        mortgage_broker_id,
        reported_at
    from other_dispositions
    where
        call_id is not null
        and disposition_status = 'returned'

),

first_returns as (

    select
        this_return.call_id,
        this_return.mortgage_broker_id,
        this_return.reported_at as returned_at
    from this_return
    inner join other_return
        on
            this_return.call_id = other_return.call_id
            and this_return.mortgage_broker_id = other_return.mortgage_broker_id
    group by
        this_return.call_id,
        this_return.mortgage_broker_id,
        this_return.reported_at
    having this_return.reported_at = min(other_return.reported_at)

),

returned_billable_calls as (

    select
        call_candidates.*,
        first_returns.returned_at
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
