{#
    Lead sales with the boberdoo lead they sold, shared by the sale, conversion and refund
    rules. A plain join, neither grouped nor deduplicated, and without import CTEs on
    purpose: PostgreSQL folds a view into its reader only when it has no WITH clause, and
    only then can a filter on the sale reach the lead_sales scan and the lead be probed by
    its id. An exact duplicate sale or lead repeats a row here; each rule collapses them at
    its own grain (grouping by the sale), where the filters have already cut the rows down.
#}

select
    lead_sales.transaction_id,
    lead_sales.lead_id,
    leads.lead_type,
    lead_sales.mortgage_broker_id,
    lead_sales.deal_type,
    lead_sales.sale_price,
    lead_sales.sold_at
from {{ ref('stg_boberdoo__lead_sales') }} as lead_sales
left join {{ ref('stg_boberdoo__leads') }} as leads
    on lead_sales.lead_id = leads.lead_id
