{#
    Every revenue event of every rule, before the ledger start date is applied: the
    reconciliation tests read this, so that an item straddling the start date still nets out.
    Each rule's rows share one column list and types (ledger_row_columns), so a filter on the
    ledger is pushed into every branch by the planner. A new rule is one more model in the list.
#}

with

unioned as (

    {{ union_all_models([
        'int_lead_deliveries_recognized',
        'int_lead_sales_recognized',
        'int_sale_conversions_recognized',
        'int_calls_recognized',
        'int_sale_refunds_recognized',
        'int_call_refunds_recognized',
    ]) }}

),

final as (

    select * from unioned

)

select * from final
