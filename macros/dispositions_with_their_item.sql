{#
    Each raw disposition beside one value of the sale or call it reports on (a lead sale by
    transaction_id, a call by call_id). The singular tests on dispositions check a report
    against its item the same way and differ only in the value compared, so the join is
    written once here.
#}
{% macro dispositions_with_their_item(calls, lead_sale_column, call_column, item_column) -%}
    select
        dispositions.disposition_id,
        dispositions.transaction_id,
        dispositions.call_id,
        dispositions.mortgage_broker_id as buyer_id,
        dispositions.disposition_status as status,
        dispositions.reported_at,
        coalesce(lead_sales.{{ lead_sale_column }}, calls.{{ call_column }}) as {{ item_column }}
    from {{ ref('stg_boberdoo__dispositions') }} as dispositions
    left join {{ ref('stg_boberdoo__lead_sales') }} as lead_sales
        on dispositions.transaction_id = lead_sales.transaction_id
    left join {{ calls }} as calls
        on dispositions.call_id = calls.call_id
{%- endmacro %}
