{#
    Spec 4's posting rules as a small table, one row per line a ledger row posts: its event
    type, line number, account, side and which amount it carries. int_ledger_rows_posted
    posts every ledger row with it; int_ledger_totals_posted posts the ledger's totals per
    event type with it, so the balance reports and the lines cannot post differently.
      lead_delivery  Dr 1100 billed, Dr 4800 discount, Cr 4000 msrp
      lead_sale      Dr 1100 / Cr 4100
      conversion     Dr 1100 / Cr 4200
      call           Dr 1100 / Cr 4300
      refund         Dr 4900 / Cr 1100, for the absolute amount
#}
{% macro ledger_posting_rules() -%}
    {%- set rules = [
        ('lead_delivery', 1, '1100', 'debit', 'billed_amount'),
        ('lead_delivery', 2, '4800', 'debit', 'discount_amount'),
        ('lead_delivery', 3, '4000', 'credit', 'msrp'),
        ('lead_sale', 1, '1100', 'debit', 'billed_amount'),
        ('lead_sale', 3, '4100', 'credit', 'msrp'),
        ('conversion', 1, '1100', 'debit', 'billed_amount'),
        ('conversion', 3, '4200', 'credit', 'msrp'),
        ('call', 1, '1100', 'debit', 'billed_amount'),
        ('call', 3, '4300', 'credit', 'msrp'),
        ('refund', 1, '4900', 'debit', 'refunded_amount'),
        ('refund', 2, '1100', 'credit', 'refunded_amount'),
    ] %}
    {%- for event_type, line_number, account_code, side, amount in rules %}
    select
        '{{ event_type }}' as event_type,
        {{ line_number }} as line_number,
        '{{ account_code }}' as account_code,
        '{{ side }}' as side,
        '{{ amount }}' as amount_column
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}

{#
    The value a posting rule's line takes, given the SQL of each amount: `rule_column` is
    the rule's amount_column. A refund posts its (negative) billed amount, made positive.
#}
{% macro posting_rule_amount(rule_column, billed_amount, discount_amount, msrp, refunded_amount) -%}
    case {{ rule_column }}
        when 'billed_amount' then {{ billed_amount }}
        when 'discount_amount' then {{ discount_amount }}
        when 'msrp' then {{ msrp }}
        when 'refunded_amount' then {{ refunded_amount }}
    end
{%- endmacro %}
