{#
    The sold item a disposition reports on, as item_type ('lead_sale' or 'call') and
    item_id. int_dispositions_summarized joins int_dispositions_rolled_up on these two
    columns, so both derive them here: were the two derivations to drift apart, that inner
    join would silently drop items.
#}
{% macro disposition_item_columns() -%}
    case when transaction_id is not null then 'lead_sale' else 'call' end as item_type,
    coalesce(transaction_id, call_id) as item_id
{%- endmacro %}
