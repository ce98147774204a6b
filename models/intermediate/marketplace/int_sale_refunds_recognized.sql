{#
    Spec 3.5 for sales: a returned sale is refunded once, at its first `returned` report, for
    minus everything recognized for it, its price plus the conversion payout when it was
    reported sold (whenever that report came), so the sale nets to zero.

    The first return is found by the macro first_report_per_item, so a date filter on
    the refund reaches the dispositions scan. Reports are matched on the sale and its buyer
    (a report by another broker fails the build), so a broker filter reaches every table.
    The sale is read from the plain joins, not from the sale and conversion rules' grouped
    views, which the returned sales' keys could not probe; the payout is that of the deal
    active at sold_at, as the conversion rule prices it. As there (macro
    reported_sale_joins), the returns are joined to their sales first and only those to
    their lead and deal (DuckDB does not move an inner join below left joins).
#}

with

sold_dispositions as (

    select * from {{ ref('stg_boberdoo__dispositions') }}

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

    {{ first_report_per_item('transaction_id', 'returned') }}

),

returned_sales as (

    select
        {{ lead_sale_columns() }},
        first_returns.reported_at as returned_at,
        max(leads.lead_type) as lead_type,
        max(case when sold_report.transaction_id is not null then broker_deals.payout_amount end)
            as conversion_payout_amount
    from first_returns
    {{ reported_sale_joins('first_returns') }}
    left join sold_report
        on
            lead_sales.transaction_id = sold_report.transaction_id
            and lead_sales.mortgage_broker_id = sold_report.mortgage_broker_id
    group by
        {{ lead_sale_columns() }},
        first_returns.reported_at

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
