{#
    Lead sales with the boberdoo lead they sold, shared by the sale, conversion and refund
    rules. A plain join, neither grouped nor deduplicated: the planner folds it into the
    query reading it, so a filter on the sale reaches the lead_sales scan and the lead is
    probed by its id. An exact duplicate sale or lead repeats a row here; each rule
    collapses them at its own grain (grouping by the sale), where the filters have already
    cut the rows down.
#}

with

lead_sales as (

    select * from {{ ref('stg_boberdoo__lead_sales') }}

),

leads as (

    select * from {{ ref('stg_boberdoo__leads') }}

),

final as (

    select
        lead_sales.transaction_id,
        lead_sales.lead_id,
        leads.lead_type,
        lead_sales.mortgage_broker_id,
        lead_sales.deal_type,
        lead_sales.sale_price,
        lead_sales.sold_at
    from lead_sales
    left join leads
        on lead_sales.lead_id = leads.lead_id

)

select * from final
