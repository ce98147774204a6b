{#
    The nightly job's balance alert, through `dbt show --inline "{{ ledger_balance_report('imbalance') }}"`:
    'imbalance' is the check row and every unbalanced transaction (what identifies an
    imbalance), 'breakdown' the accounts side, read only when a message is sent. One query
    each, told apart by `part` (each `dbt show` costs a dbt start-up); every branch casts its
    columns so the union's types agree on every engine, money as text so nothing rounds it.
#}
{% macro ledger_balance_report(report) %}
{%- if report == 'imbalance' %}
select
    cast('check' as varchar(16)) as part,
    cast(null as varchar) as transaction_id,
    cast(null as varchar) as source,
    cast(null as varchar) as event_at,
    cast(null as bigint) as line_count,
    cast(total_debits as varchar) as total_debits,
    cast(total_credits as varchar) as total_credits,
    cast(difference as varchar) as difference,
    cast(unbalanced_transaction_count as bigint) as unbalanced_transaction_count,
    cast(accounts_affected as bigint) as accounts_affected
from {{ ref('ledger_balance_check') }}
union all
select
    cast('transaction' as varchar(16)),
    cast(transaction_id as varchar),
    cast(source as varchar),
    cast(event_at as varchar),
    cast(line_count as bigint),
    cast(total_debits as varchar),
    cast(total_credits as varchar),
    cast(difference as varchar),
    cast(null as bigint),
    cast(null as bigint)
from {{ ref('ledger_unbalanced_transactions') }}
{%- elif report == 'breakdown' %}
select
    cast('by_type' as varchar(16)) as part,
    cast(null as bigint) as account_rank,
    cast(null as varchar) as account_code,
    cast(null as varchar) as account_name,
    cast(account_type as varchar) as account_type,
    cast(account_count as bigint) as account_count,
    cast(null as bigint) as transaction_count,
    cast(total_debits as varchar) as total_debits,
    cast(total_credits as varchar) as total_credits,
    cast(balance as varchar) as balance
from {{ ref('ledger_imbalance_by_account_type') }}
union all
select
    cast('top' as varchar(16)),
    cast(account_rank as bigint),
    cast(account_code as varchar),
    cast(account_name as varchar),
    cast(account_type as varchar),
    cast(null as bigint),
    cast(null as bigint),
    cast(null as varchar),
    cast(null as varchar),
    cast(balance as varchar)
from {{ ref('ledger_top_accounts') }}
union all
select
    cast('accounts' as varchar(16)),
    cast(null as bigint),
    cast(account_code as varchar),
    cast(account_name as varchar),
    cast(account_type as varchar),
    cast(null as bigint),
    cast(transaction_count as bigint),
    cast(total_debits as varchar),
    cast(total_credits as varchar),
    cast(net_amount as varchar)
from {{ ref('ledger_imbalance_accounts') }}
{%- else %}
    {{ exceptions.raise_compiler_error("ledger_balance_report: 'imbalance' or 'breakdown', not " ~ report) }}
{%- endif %}
{% endmacro %}
