{#
    Spec 3.3: a sale the broker reports `sold` converts once, at the first `sold` report, for
    the payout of the buyer's deal of that deal type active when the lead was sold (not when
    the report came in). A conversion with no active deal keeps a null deal_id, one with two
    comes out twice: the model's row rules fail on either and name the sale.

    The first report is found by pairing each sold report with every sold report of its sale
    and keeping the report no other precedes, grouped by the sale and that report's instant:
    the conversion's event_at is then a grouping column, so a date filter on the ledger reaches
    the dispositions scan, and a broker filter reaches every table through the join keys. A
    report comes from the sale's buyer (spec 2; a report by another broker fails the build),
    so reports are matched on the sale and its buyer. Exact duplicate rows change neither a
    minimum nor a group, so none is deduplicated first. The dispositions are imported once
    per use: DuckDB and PostgreSQL compute a CTE read twice in full, before any filter.
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

broker_deals as (

    select * from {{ ref('stg_boberdoo__broker_deals') }}

),

this_report as (

    select
        transaction_id,
        mortgage_broker_id,
        reported_at
    from this_dispositions
    where
        transaction_id is not null
        and disposition_status = 'sold'

),

other_report as (

    select
        transaction_id,
        mortgage_broker_id,
        reported_at
    from other_dispositions
    where
        transaction_id is not null
        and disposition_status = 'sold'

),

reports_with_sale as (

    select
        lead_sales.transaction_id,
        lead_sales.lead_id,
        lead_sales.lead_type,
        lead_sales.mortgage_broker_id,
        lead_sales.deal_type,
        lead_sales.sale_price,
        lead_sales.sold_at,
        this_report.reported_at as converted_at,
        other_report.reported_at as other_reported_at,
        broker_deals.deal_id,
        broker_deals.payout_amount
    from this_report
    inner join other_report
        on
            this_report.transaction_id = other_report.transaction_id
            and this_report.mortgage_broker_id = other_report.mortgage_broker_id
    inner join lead_sales
        on
            this_report.transaction_id = lead_sales.transaction_id
            and this_report.mortgage_broker_id = lead_sales.mortgage_broker_id
    left join broker_deals
        on
            lead_sales.mortgage_broker_id = broker_deals.mortgage_broker_id
            and lead_sales.deal_type = broker_deals.deal_type
            and {{ interval_contains(
                'broker_deals.starts_at', 'broker_deals.ends_at', 'lead_sales.sold_at'
            ) }}

),

first_reports as (

    select
        transaction_id,
        lead_id,
        max(lead_type) as lead_type,
        mortgage_broker_id,
        deal_type,
        sale_price,
        sold_at,
        converted_at,
        deal_id,
        payout_amount
    from reports_with_sale
    group by
        transaction_id,
        lead_id,
        mortgage_broker_id,
        deal_type,
        sale_price,
        sold_at,
        converted_at,
        deal_id,
        payout_amount
    having converted_at = min(other_reported_at)

),

final as (

    select * from first_reports

)

select * from final
