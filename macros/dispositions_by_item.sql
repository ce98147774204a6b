{#
    Every disposition with the sold item it reports on, as item_type ('lead_sale' or 'call')
    and item_id. int_dispositions_summarized joins int_dispositions_rolled_up on these two
    columns, and both read the reports by item from here: were the two derivations to drift
    apart, that inner join would silently drop items. It reads stg_boberdoo__dispositions by
    ref, as its callers' import CTE did.
#}
{% macro dispositions_by_item() -%}
    select
        case when transaction_id is not null then 'lead_sale' else 'call' end as item_type,
        coalesce(transaction_id, call_id) as item_id,
        disposition_id,
        disposition_status,
        reported_at
    from {{ ref('stg_boberdoo__dispositions') }}
{%- endmacro %}
