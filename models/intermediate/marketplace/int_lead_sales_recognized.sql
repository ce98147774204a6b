{#
    Spec 3.2: every auction sale is revenue at its price, when it was sold. Grouping by the
    sale collapses exact duplicate sale and lead rows; every filter analysts put on the
    ledger (broker, sold_at, deal type, lead, sale) is on a grouping column, so it reaches
    the lead_sales scan.

    A sale needs its lead's type only, so it joins the leads and not int_lead_sales_enriched:
    that view's deal join cannot be dropped by the planner (a left join may repeat rows), and
    cost every read a match of every sale of the year against the deals.
#}

with

lead_sales as (

    select * from {{ ref('stg_boberdoo__lead_sales') }}

),

leads as (

    select * from {{ ref('stg_boberdoo__leads') }}

),

sales as (

    select
        {{ lead_sale_columns() }},
        max(leads.lead_type) as lead_type
    from lead_sales
    left join leads
        on lead_sales.lead_id = leads.lead_id
    group by
        {{ lead_sale_columns() }}

),

final as (

    select
        {{ ledger_row_columns(
            ledger_id="'lead_sale:' || transaction_id",
            deal_type='deal_type',
            event_type="'lead_sale'",
            source_id='transaction_id',
            lead_type='lead_type',
            lead_id='lead_id',
            mortgage_broker_id='mortgage_broker_id',
            event_at='sold_at',
            billed_amount='sale_price',
        ) }}
    from sales

)

select * from final
