{#
    The value a posting rule's line takes (seed ledger_posting_rules), given the SQL of each
    amount: `rule_column` is the rule's amount_column. A refund posts its (negative) billed
    amount, made positive. The seed's row_rules test keeps amount_column to these four.
#}
{% macro posting_rule_amount(rule_column, billed_amount, discount_amount, msrp, refunded_amount) -%}
    case {{ rule_column }}
        when 'billed_amount' then {{ billed_amount }}
        when 'discount_amount' then {{ discount_amount }}
        when 'msrp' then {{ msrp }}
        when 'refunded_amount' then {{ refunded_amount }}
    end
{%- endmacro %}
