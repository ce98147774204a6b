-- Call revenue split by how many leads share the caller's phone. The old process billed
-- only calls matching exactly one lead; the rows with matched_lead_count > 1 are what it lost.
-- Run: dbt compile -s call_revenue_by_lead_matches, then run the compiled SQL, or
--      dbt show --inline "$(cat analyses/call_revenue_by_lead_matches.sql)"

with

ledger as (

    select * from {{ ref('lead_sales_ledger') }}

),

calls as (

    select
        case
            when matched_lead_count = 0 then 'no matching lead'
            when matched_lead_count = 1 then 'one matching lead'
            else 'several matching leads'
        end as lead_match,
        billed_amount
    from ledger
    where event_type = 'call'

),

final as (

    select
        lead_match,
        count(*) as billed_calls,
        sum(billed_amount) as call_revenue
    from calls
    group by lead_match

)

select * from final
