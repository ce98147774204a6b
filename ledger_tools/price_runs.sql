-- Runs of equal msrp per product in the legacy ledger, in delivery order (id breaks ties):
-- ledger_tools.price_history derives the price versions from them. {billing} is the billing
-- raw schema. The legacy job's lead types and the products they bill are spec 2's.
with legacy as (
    select
        product.id as product_id,
        legacy.id,
        legacy.delivered_at,
        legacy.msrp
    from {billing}.legacy_lead_sales_ledger as legacy
    inner join {billing}.product as product
        on product.code = case legacy.lead_type
            when 'professional' then 'professional_lead'
            when 'construction' then 'construction_loan_lead'
            when 'hard_money' then 'hard_money_lead'
            when 'land' then 'land_lead'
        end
    where legacy.msrp is not null and legacy.delivered_at is not null
),

flagged as (
    select
        *,
        case
            when msrp = lag(msrp) over (partition by product_id order by delivered_at, id)
                then 0
            else 1
        end as starts_run
    from legacy
),

numbered as (
    select
        *,
        sum(starts_run) over (
            partition by product_id order by delivered_at, id rows unbounded preceding
        ) as run_number
    from flagged
)

select
    product_id,
    min(msrp) as price,
    min(delivered_at) as first_at,
    max(delivered_at) as last_at,
    count(*) as row_count,
    min(id) as first_id
from numbered
group by product_id, run_number
order by product_id, min(delivered_at), min(id)
