{#
    The nightly job's balance alert, through `dbt show --inline "{{ ledger_balance_report('imbalance') }}"`:
    'imbalance' is the check row and every unbalanced transaction (what identifies an
    imbalance), 'breakdown' the accounts side, read only when a message is sent. One query
    each, its parts told apart by `part` (each `dbt show` costs a dbt start-up); every part
    casts every column of its report, null where its view has none, so the union's types
    agree on every engine, and money travels as text so nothing rounds it. Each part comes
    in the order the message lists it (`part_order`).
#}
{% macro ledger_balance_report(report) %}
    {#- Per report: its columns (name:type), then per part its view, the columns it has
        (a view's column:the report's name) and the order of its rows. -#}
    {%- set reports = {
        'imbalance': (
            'transaction_id:varchar source:varchar event_at:varchar line_count:bigint'
            ~ ' total_debits:varchar total_credits:varchar difference:varchar'
            ~ ' unbalanced_transaction_count:bigint accounts_affected:bigint',
            [
                ('check', 'ledger_balance_check', 'total_debits total_credits difference'
                    ~ ' unbalanced_transaction_count accounts_affected', 'difference'),
                ('transaction', 'ledger_unbalanced_transactions', 'transaction_id source'
                    ~ ' event_at line_count total_debits total_credits difference',
                    'abs(difference) desc, transaction_id'),
            ],
        ),
        'breakdown': (
            'account_rank:bigint account_code:varchar account_name:varchar'
            ~ ' account_type:varchar account_count:bigint transaction_count:bigint'
            ~ ' total_debits:varchar total_credits:varchar balance:varchar',
            [
                ('by_type', 'ledger_imbalance_by_account_type', 'account_type account_count'
                    ~ ' total_debits total_credits balance', 'account_type'),
                ('top', 'ledger_top_accounts', 'account_rank account_code account_name'
                    ~ ' account_type balance', 'account_rank'),
                ('accounts', 'ledger_imbalance_accounts', 'account_code account_name'
                    ~ ' account_type transaction_count total_debits total_credits'
                    ~ ' net_amount:balance', 'abs(net_amount) desc, account_code'),
            ],
        ),
    } -%}
    {%- if report not in reports -%}
        {{ exceptions.raise_compiler_error("ledger_balance_report: 'imbalance' or 'breakdown', not " ~ report) }}
    {%- endif -%}
    {%- set columns, parts = reports[report] -%}
    {%- for part, view, has, order in parts -%}
        {%- set present = {} -%}
        {%- for item in has.split() -%}
            {%- do present.update({item.split(':')[-1]: item.split(':')[0]}) -%}
        {%- endfor %}
{% if not loop.first %}union all{% endif %}
select
    cast('{{ part }}' as varchar(16)) as part,
    row_number() over (order by {{ order }}) as part_order
    {%- for column in columns.split() %},
    cast({{ present.get(column.split(':')[0], 'null') }} as {{ column.split(':')[1] }}) as {{ column.split(':')[0] }}
    {%- endfor %}
from {{ ref(view) }}
    {%- endfor %}
order by part, part_order
{% endmacro %}
