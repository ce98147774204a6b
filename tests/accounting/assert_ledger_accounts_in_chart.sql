{#
    Every line names an account of the chart of accounts; a typo in a manual journal fails
    the build here, naming the line.
#}

{{ run_after_balance_reports() }}

with

entries as (

    select * from {{ ref('ledger_entries') }}

),

chart_of_accounts as (

    select * from {{ ref('chart_of_accounts') }}

),

unknown_accounts as (

    select entries.*
    from entries
    left join chart_of_accounts
        on entries.account_code = chart_of_accounts.account_code
    where chart_of_accounts.account_code is null

)

select * from unknown_accounts
