{#
    The joins from a sale rule's first reports (first_report_per_item on transaction_id) to the
    sale they report on, matched on the sale and its buyer (a report by another broker fails
    the build), so a broker filter reaches every table; then the sale's lead and deal
    (sale_lead_and_deal_joins). The reports come first and only the reported sales are
    joined on: DuckDB does not move an inner join below left joins. The conversion and the
    refund rule join their reports this one way.
#}
{% macro reported_sale_joins(reports) -%}
    inner join {{ ref('stg_boberdoo__lead_sales') }} as lead_sales
        on
            {{ reports }}.transaction_id = lead_sales.transaction_id
            and {{ reports }}.mortgage_broker_id = lead_sales.mortgage_broker_id
    {{ sale_lead_and_deal_joins() }}
{%- endmacro %}
