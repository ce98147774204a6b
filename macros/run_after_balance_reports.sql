{#
    In `dbt build` a failing test on ledger_entries skips every view built on it. The tests
    that bad manual journals can fail depend on the balance reports too, so they run after
    those are built: the reports and the nightly alert that reads them stay available
    exactly when they are needed.
#}
{% macro run_after_balance_reports() %}
    -- depends_on: {{ ref('ledger_balance_check') }}
    -- depends_on: {{ ref('ledger_imbalance_by_account_type') }}
    -- depends_on: {{ ref('ledger_top_accounts') }}
    -- depends_on: {{ ref('trial_balance_monthly') }}
{% endmacro %}
