{#
    Spec 3.5 for sales: a returned sale is refunded once, at its first `returned` report, for
    minus everything recognized for it, its price plus the conversion payout when it was
    reported sold (whenever that report came), so the sale nets to zero.

    The first return is the report no other return of the sale precedes, grouped by the sale
    and that report's instant: the refund's event_at is a grouping key, so a date filter on
    the ledger reaches the dispositions scan. Reports are matched on the sale and its buyer
    (a report by another broker fails the build), so a broker filter reaches every table.
    The sale is read from the plain join beneath the sale and conversion rules, not from
    their grouped views, which the returned sales' keys could not probe; the payout is the
    deal the conversion rule prices, active at sold_at. Each CTE is read once: a CTE read
    twice is computed whole, before any filter, by DuckDB and PostgreSQL.
#}

with

lead_sales as (

    select * from {{ ref('int_lead_sales_enriched') }}

),

this_dispositions as (

    select * from {{ ref('stg_boberdoo__dispositions') }}

),

other_dispositions as (

    select * from {{ ref('stg_boberdoo__dispositions') }}

),

sold_dispositions as (

    select * from {{ ref('stg_boberdoo__dispositions') }}

),

broker_deals as (

    select * from {{ ref('stg_boberdoo__broker_deals') }}

),

this_return as (

    select
        transaction_id,
        mortgage_broker_id,
        reported_at
    from this_dispositions
    where
        transaction_id is not null
        and disposition_status = 'returned'

),

other_return as (

    select
        transaction_id,
        mortgage_broker_id,
        reported_at
    from other_dispositions
    where
        transaction_id is not null
        and disposition_status = 'returned'

),

sold_report as (

    select
        transaction_id,
        mortgage_broker_id
    from sold_dispositions
    where
        transaction_id is not null
        and disposition_status = 'sold'

),

first_returns as (

    select
        this_return.transaction_id,
        this_return.mortgage_broker_id,
        this_return.reported_at as returned_at
    from this_return
    inner join other_return
        on
            this_return.transaction_id = other_return.transaction_id
            and this_return.mortgage_broker_id = other_return.mortgage_broker_id
    group by
        this_return.transaction_id,
        this_return.mortgage_broker_id,
        this_return.reported_at
    having this_return.reported_at = min(other_return.reported_at)

),

returned_sales as (

    select
        lead_sales.transaction_id,
        lead_sales.lead_id,
        lead_sales.mortgage_broker_id,
        lead_sales.deal_type,
        lead_sales.sale_price,
        first_returns.returned_at,
        max(lead_sales.lead_type) as lead_type,
        max(case when sold_report.transaction_id is not null then broker_deals.payout_amount end)
            as conversion_payout_amount
    from first_returns
    inner join lead_sales
        on
            first_returns.transaction_id = lead_sales.transaction_id
            and first_returns.mortgage_broker_id = lead_sales.mortgage_broker_id
    left join sold_report
        on
            lead_sales.transaction_id = sold_report.transaction_id
            and lead_sales.mortgage_broker_id = sold_report.mortgage_broker_id
    left join broker_deals
        on
            lead_sales.mortgage_broker_id = broker_deals.mortgage_broker_id
            and lead_sales.deal_type = broker_deals.deal_type
            and {{ interval_contains(
                'broker_deals.starts_at', 'broker_deals.ends_at', 'lead_sales.sold_at'
            ) }}
    group by
        lead_sales.transaction_id,
        lead_sales.lead_id,
        lead_sales.mortgage_broker_id,
        lead_sales.deal_type,
        lead_sales.sale_price,
        first_returns.returned_at

),

final as (

    select
        {{ ledger_row_columns(
            ledger_id="'refund:lead_sale:' || transaction_id",
            deal_type='deal_type',
            event_type="'refund'",
            source_id='transaction_id',
            lead_type='lead_type',
            lead_id='lead_id',
            mortgage_broker_id='mortgage_broker_id',
            event_at='returned_at',
            billed_amount='-(sale_price + coalesce(conversion_payout_amount, 0))',
        ) }}
    from returned_sales

)

select * from final
