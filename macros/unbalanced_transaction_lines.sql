{#
    Every line of the transactions ledger_unbalanced_transactions lists, with the
    transaction's difference. ledger_imbalance_accounts and the runbook's first analysis
    (analyses/investigate_unbalanced_transactions) read the lines of an unbalanced
    transaction this one way. Only manual journals can be unbalanced, so only manual lines
    are joined: the filter on source drops the ledger's branch of ledger_entries before
    anything is computed.
#}
{% macro unbalanced_transaction_lines() -%}
    select
        entries.*,
        unbalanced_transactions.difference as transaction_difference
    from {{ ref('ledger_entries') }} as entries
    inner join {{ ref('ledger_unbalanced_transactions') }} as unbalanced_transactions
        on entries.transaction_id = unbalanced_transactions.transaction_id
    where entries.source = 'manual'
{%- endmacro %}
