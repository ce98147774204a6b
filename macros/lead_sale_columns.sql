{#
    A lead sale's own columns, for the select list and the group by of each sale rule (the
    sale, its conversion, its refund). Grouping by all of them collapses exact duplicate raw
    sale rows, and every filter an analyst puts on a sale (broker, deal type, lead, sale,
    sold_at) stays a grouping column, so it reaches the lead_sales scan; a conflicting
    duplicate fails the staging unique test by name. Written once so the three rules keep
    one grain.
#}
{% macro lead_sale_columns(lead_sales='lead_sales') -%}
    {{ lead_sales }}.transaction_id,
    {{ lead_sales }}.lead_id,
    {{ lead_sales }}.mortgage_broker_id,
    {{ lead_sales }}.deal_type,
    {{ lead_sales }}.sale_price,
    {{ lead_sales }}.sold_at
{%- endmacro %}
