{#
    The select list of one lead_sales_ledger row, in the spec's column order and types. Every
    revenue rule renders its rows through it, so the union in the ledger cannot drift apart
    in order or type between rules, or between engines. Arguments are SQL expressions;
    a column that does not apply to a rule is left as null.
#}
{% macro ledger_row_columns(
    ledger_id,
    deal_type,
    event_type,
    source_id,
    mortgage_broker_id,
    event_at,
    billed_amount,
    lead_type='null',
    lead_id='null',
    call_id='null',
    product_code='null',
    msrp=none,
    discount_percent='0',
    discount_amount='0',
    matched_lead_count='null'
) -%}
    cast({{ ledger_id }} as {{ dbt.type_string() }}) as ledger_id,
    cast({{ deal_type }} as {{ dbt.type_string() }}) as deal_type,
    cast({{ event_type }} as {{ dbt.type_string() }}) as event_type,
    cast({{ source_id }} as {{ dbt.type_string() }}) as source_id,
    cast({{ lead_type }} as {{ dbt.type_string() }}) as lead_type,
    cast({{ lead_id }} as {{ dbt.type_string() }}) as lead_id,
    cast({{ call_id }} as {{ dbt.type_string() }}) as call_id,
    cast({{ mortgage_broker_id }} as bigint) as mortgage_broker_id,
    cast({{ event_at }} as timestamp) as event_at,
    cast({{ product_code }} as {{ dbt.type_string() }}) as product_code,
    {#- Outside plain deliveries the list price is what was billed, with no discount. #}
    cast({{ msrp if msrp is not none else billed_amount }} as numeric(12, 2)) as msrp,
    cast({{ discount_percent }} as numeric(5, 2)) as discount_percent,
    cast({{ discount_amount }} as numeric(12, 2)) as discount_amount,
    cast({{ billed_amount }} as numeric(12, 2)) as billed_amount,
    cast({{ matched_lead_count }} as bigint) as matched_lead_count,
    cast('USD' as {{ dbt.type_string() }}) as currency
{%- endmacro %}
