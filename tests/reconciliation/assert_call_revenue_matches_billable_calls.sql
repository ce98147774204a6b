{#
    The old process lost the revenue of calls whose caller matched more than one lead. Here
    the ledger's call revenue must equal the payouts of billable calls, worked out again
    straight from staging, whatever number of leads a caller matches. Returns the difference.
#}

with

calls as (

    select * from {{ ref('stg_invoca__calls') }}

),

campaign_terms as (

    select * from {{ ref('stg_boberdoo__call_campaign_terms') }}

),

ledger_rows as (

    select * from {{ ref('int_ledger_rows_unioned') }}

),

billable_calls as (

    select
        count(*) as call_count,
        coalesce(sum(campaign_terms.payout_amount), 0) as payout_amount
    from calls
    inner join campaign_terms
        on
            calls.campaign_id = campaign_terms.campaign_id
            and {{ interval_contains(
                'campaign_terms.starts_at', 'campaign_terms.ends_at', 'calls.started_at'
            ) }}
    where calls.duration_seconds >= campaign_terms.min_duration_seconds

),

ledger_calls as (

    select
        count(*) as call_count,
        coalesce(sum(billed_amount), 0) as payout_amount
    from ledger_rows
    where event_type = 'call'

),

compared as (

    select
        billable_calls.call_count as billable_call_count,
        ledger_calls.call_count as ledger_call_count,
        billable_calls.payout_amount as billable_payout_amount,
        ledger_calls.payout_amount as ledger_payout_amount
    from billable_calls
    cross join ledger_calls

)

select * from compared
where
    billable_call_count <> ledger_call_count
    or billable_payout_amount <> ledger_payout_amount
