{#
    The ledger, read before the start date is applied, against the source rows it came from.
    Four checks in one query, because each separate one computed the whole ledger again:
      call_revenue        the ledger's call revenue equals the payouts of billable calls
                          worked out again straight from staging, whatever number of leads
                          a caller matches (the old process lost calls matching several);
      orphan_row          every ledger row points at the delivery, sale or call it was
                          recognized from;
      returned_not_netted a returned sale or billed call nets to zero across all its rows,
                          with exactly one refund, even when sold before the start date;
      conversion_count    a sale reported `sold` converts exactly once; no other sale does.
    Returns one row per failure: the check, the item, and what was expected and found.
#}

with

ledger_rows as (

    select * from {{ ref('int_ledger_rows_unioned') }}

),

deliveries as (

    select * from {{ ref('int_lead_deliveries_unioned') }}

),

lead_sales as (

    select * from {{ ref('stg_boberdoo__lead_sales') }}

),

calls as (

    select * from {{ ref('stg_invoca__calls') }}

),

campaign_terms as (

    select * from {{ ref('stg_boberdoo__call_campaign_terms') }}

),

dispositions as (

    select * from {{ ref('stg_boberdoo__dispositions') }}

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

call_revenue_failures as (

    select
        'call_revenue' as failed_check,
        'call' as item_type,
        cast(null as {{ dbt.type_string() }}) as item_id,
        cast(billable_calls.call_count as {{ dbt.type_string() }}) || ' calls, '
        || cast(billable_calls.payout_amount as {{ dbt.type_string() }}) as expected,
        cast(ledger_calls.call_count as {{ dbt.type_string() }}) || ' calls, '
        || cast(ledger_calls.payout_amount as {{ dbt.type_string() }}) as found
    from billable_calls
    cross join ledger_calls
    where
        billable_calls.call_count <> ledger_calls.call_count
        or billable_calls.payout_amount <> ledger_calls.payout_amount

),

source_keys as (

    select
        'plain' as item_type,
        lead_type || ':' || cast(delivery_id as {{ dbt.type_string() }}) as item_id
    from deliveries
    union all
    select
        'sale' as item_type,
        transaction_id as item_id
    from lead_sales
    union all
    select
        'call' as item_type,
        call_id as item_id
    from calls

),

ledger_keys as (

    select
        ledger_id,
        case
            when deal_type = 'plain' then 'plain'
            when deal_type = 'cbm_call' then 'call'
            else 'sale'
        end as item_type,
        case
            when deal_type = 'plain' then lead_type || ':' || source_id
            else source_id
        end as item_id
    from ledger_rows

),

orphan_failures as (

    select
        'orphan_row' as failed_check,
        ledger_keys.item_type,
        ledger_keys.item_id,
        'a source row' as expected,
        'none for ' || ledger_keys.ledger_id as found
    from ledger_keys
    left join source_keys
        on
            ledger_keys.item_type = source_keys.item_type
            and ledger_keys.item_id = source_keys.item_id
    where source_keys.item_id is null

),

item_totals as (

    select
        case when deal_type = 'cbm_call' then 'call' else 'sale' end as item_type,
        source_id as item_id,
        sum(billed_amount) as net_amount,
        sum(case when event_type = 'refund' then 1 else 0 end) as refund_count,
        sum(case when event_type = 'conversion' then 1 else 0 end) as conversion_count
    from ledger_rows
    where deal_type <> 'plain'
    group by 1, 2

),

returned_items as (

    select distinct
        case when transaction_id is not null then 'sale' else 'call' end as item_type,
        coalesce(transaction_id, call_id) as item_id
    from dispositions
    where disposition_status = 'returned'

),

returned_failures as (

    select
        'returned_not_netted' as failed_check,
        returned_items.item_type,
        returned_items.item_id,
        'net 0.00, 1 refund' as expected,
        'net ' || cast(item_totals.net_amount as {{ dbt.type_string() }}) || ', '
        || cast(item_totals.refund_count as {{ dbt.type_string() }}) || ' refund(s)' as found
    from returned_items
    inner join item_totals
        on
            returned_items.item_type = item_totals.item_type
            and returned_items.item_id = item_totals.item_id
    where item_totals.net_amount <> 0 or item_totals.refund_count <> 1

),

sold_sales as (

    select distinct transaction_id as item_id
    from dispositions
    where disposition_status = 'sold' and transaction_id is not null

),

sale_conversions as (

    select
        item_id,
        conversion_count
    from item_totals
    where item_type = 'sale' and conversion_count > 0

),

conversion_failures as (

    select
        'conversion_count' as failed_check,
        'sale' as item_type,
        coalesce(sold_sales.item_id, sale_conversions.item_id) as item_id,
        case when sold_sales.item_id is not null then '1' else '0' end as expected,
        cast(coalesce(sale_conversions.conversion_count, 0) as {{ dbt.type_string() }}) as found
    from sold_sales
    full outer join sale_conversions
        on sold_sales.item_id = sale_conversions.item_id
    where
        (sold_sales.item_id is not null and coalesce(sale_conversions.conversion_count, 0) <> 1)
        or (sold_sales.item_id is null and sale_conversions.conversion_count > 0)

),

failures as (

    select * from call_revenue_failures
    union all
    select * from orphan_failures
    union all
    select * from returned_failures
    union all
    select * from conversion_failures

)

select * from failures
