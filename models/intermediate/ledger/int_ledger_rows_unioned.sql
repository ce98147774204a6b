{#
    Every revenue event of every rule, before the ledger start date is applied: the
    reconciliation tests read this, so that an item straddling the start date still nets out.
    Each rule's rows share one column list and types (ledger_row_columns), so a filter on the
    ledger is pushed into every branch by the planner.
#}

with

lead_deliveries as (

    select * from {{ ref('int_lead_deliveries_recognized') }}

),

lead_sales as (

    select * from {{ ref('int_lead_sales_recognized') }}

),

conversions as (

    select * from {{ ref('int_sale_conversions_recognized') }}

),

calls as (

    select * from {{ ref('int_calls_recognized') }}

),

sale_refunds as (

    select * from {{ ref('int_sale_refunds_recognized') }}

),

call_refunds as (

    select * from {{ ref('int_call_refunds_recognized') }}

),

unioned as (

    select * from lead_deliveries
    union all
    select * from lead_sales
    union all
    select * from conversions
    union all
    select * from calls
    union all
    select * from sale_refunds
    union all
    select * from call_refunds

),

final as (

    select * from unioned

)

select * from final
