{#
    The value a posting rule's line takes (seed ledger_posting_rules), read from `rows`, which
    carry the ledger's amount columns (a ledger row, or the ledger summed per event type).
    A refund posts its (negative) billed amount, made positive. With line_counts, the number
    of lines instead, from the rows' <amount>_line_count columns: a refund posts one line for
    each non-zero billed amount. Both posting models join posting_rules under that name and
    take their amounts from here, so the sum per account cannot drift from the lines. The
    seed's row_rules test keeps amount_column to these four.
#}
{% macro posting_rule_amount(rows, line_counts=false) -%}
    {%- set suffix = '_line_count' if line_counts else '' -%}
    case posting_rules.amount_column
        when 'billed_amount' then {{ rows }}.billed_amount{{ suffix }}
        when 'discount_amount' then {{ rows }}.discount_amount{{ suffix }}
        when 'msrp' then {{ rows }}.msrp{{ suffix }}
        when 'refunded_amount' then {{ '' if line_counts else '-' }}{{ rows }}.billed_amount{{ suffix }}
    end
{%- endmacro %}
