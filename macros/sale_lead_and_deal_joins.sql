{#
    A lead sale's lead (for its lead_type) and the buyer's deal of the sale's deal type active
    at sold_at (spec 3.3: a conversion is paid by the deal in force when the lead was sold,
    not when the report came), as the left joins that follow `lead_sales` in a from clause.
    The sale view, the conversion rule and the refund rule each start from other rows (every
    sale, the first sold reports, the first returns) and must join the lead and the deal
    themselves, since DuckDB does not move an inner join below left joins; the matching rule
    is written once here so the three cannot price a sale differently.
#}
{% macro sale_lead_and_deal_joins(lead_sales='lead_sales') -%}
    left join {{ ref('stg_boberdoo__leads') }} as leads
        on {{ lead_sales }}.lead_id = leads.lead_id
    left join {{ ref('stg_boberdoo__broker_deals') }} as broker_deals
        on
            {{ lead_sales }}.mortgage_broker_id = broker_deals.mortgage_broker_id
            and {{ lead_sales }}.deal_type = broker_deals.deal_type
            and {{ interval_contains(
                'broker_deals.starts_at', 'broker_deals.ends_at', lead_sales ~ '.sold_at'
            ) }}
{%- endmacro %}
