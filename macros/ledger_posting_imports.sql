{#
    The import CTEs of the two posting models, `ledger` (the ledger's rows from its start date,
    as lead_sales_ledger shows them) and `posting_rules`, written once: int_ledger_totals_posted
    must sum exactly the lines int_ledger_rows_posted makes, so both post the same rows by the
    same rules. The date filter sits in the import CTE, where the planner passes it down.
#}
{% macro ledger_posting_imports() -%}

ledger as (

    select * from {{ ref('int_ledger_rows_unioned') }}
    where event_at >= {{ ledger_start_at() }}

),

posting_rules as (

    select * from {{ ref('ledger_posting_rules') }}

)

{%- endmacro %}
