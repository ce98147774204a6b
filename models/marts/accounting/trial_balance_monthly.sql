{#
    The trial balance by month: each account's debits and credits of the month and its
    closing balance (debits minus credits, cumulative). In every month the closing balances
    of all accounts sum to zero when the ledger balances.
#}

with

entries as (

    select * from {{ ref('ledger_entries') }}

),

chart_of_accounts as (

    select * from {{ ref('chart_of_accounts') }}

),

monthly as (

    select
        cast({{ dbt.date_trunc('month', 'event_at') }} as date) as balance_month,
        account_code,
        sum(debit) as period_debits,
        sum(credit) as period_credits
    from entries
    group by 1, 2

),

cumulative as (

    select
        *,
        sum(period_debits - period_credits) over (
            partition by account_code
            order by balance_month
            rows between unbounded preceding and current row
        ) as closing_balance
    from monthly

),

final as (

    select
        cumulative.balance_month,
        cumulative.account_code,
        chart_of_accounts.account_name,
        chart_of_accounts.account_type,
        cast(cumulative.period_debits as {{ money_total_type() }}) as period_debits,
        cast(cumulative.period_credits as {{ money_total_type() }}) as period_credits,
        cast(cumulative.closing_balance as {{ money_total_type() }}) as closing_balance
    from cumulative
    left join chart_of_accounts
        on cumulative.account_code = chart_of_accounts.account_code

)

select * from final
