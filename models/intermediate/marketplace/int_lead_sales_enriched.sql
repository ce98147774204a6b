{#
    Lead sales with the boberdoo lead they sold and the buyer's deal of the sale's deal type
    active at sold_at (spec 3.3: a conversion is paid by the deal in force when the lead was
    sold, not when the report came), for quality reporting; the conversion and refund rules
    join the lead and deal by the same macro, sale_lead_and_deal_joins. A plain join, neither
    grouped nor deduplicated, and without import CTEs on purpose: PostgreSQL folds a view
    into its reader only when it has no WITH clause, and only then can a filter on the sale
    reach the lead_sales scan and the lead be probed by its id. An exact duplicate sale or
    lead repeats a row here, as does a sale under two active deals (a data error the
    conversion rule names); each reader collapses them at its own grain.
#}

select
    lead_sales.transaction_id,
    lead_sales.lead_id,
    leads.lead_type,
    lead_sales.mortgage_broker_id,
    lead_sales.deal_type,
    lead_sales.sale_price,
    lead_sales.sold_at,
    broker_deals.deal_id,
    broker_deals.payout_amount as deal_payout_amount
from {{ ref('stg_boberdoo__lead_sales') }} as lead_sales
{{ sale_lead_and_deal_joins() }}
