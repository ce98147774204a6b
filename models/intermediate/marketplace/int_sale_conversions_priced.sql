{#
    Spec 3.3: a sale the broker reports `sold` converts once, at the first `sold` report, for
    the payout of the buyer's deal of that deal type active when the lead was sold (not when
    the report came in). A conversion with no active deal keeps a null deal_id, one with two
    comes out twice: the model's row rules fail on either and name the sale.

    The first report is found by the macro first_report_per_item: the conversion's
    event_at is a grouping key, so a date filter on the ledger reaches the dispositions scan,
    and a broker filter reaches every table through the join keys. A report comes from the
    sale's buyer (spec 2; a report by another broker fails the build), so reports are matched
    on the sale and its buyer. Grouping by the sale collapses exact duplicate sale and lead
    rows.

    The first reports are joined to the sales first, and only the converted sales to their
    lead and deal (macro reported_sale_joins, as the refund rule does): DuckDB does not move
    an inner join below left joins, so joining the reports to int_lead_sales_enriched joined
    every sale of the year to its lead and deal before keeping the converted ones.
#}

with

first_sold_reports as (

    {{ first_report_per_item('transaction_id', 'sold') }}

),

converted_sales as (

    select
        {{ lead_sale_columns() }},
        first_sold_reports.reported_at as converted_at,
        broker_deals.deal_id,
        broker_deals.payout_amount,
        max(leads.lead_type) as lead_type
    from first_sold_reports
    {{ reported_sale_joins('first_sold_reports') }}
    group by
        {{ lead_sale_columns() }},
        first_sold_reports.reported_at,
        broker_deals.deal_id,
        broker_deals.payout_amount

),

final as (

    select * from converted_sales

)

select * from final
