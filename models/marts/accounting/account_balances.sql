{#
    Every account of the chart with its debits, credits and balance. balance is debits minus
    credits; normal_balance is signed by the account's normal side, so a healthy receivable
    and a healthy revenue account both show positive. The sums over ledger_entries come from
    int_ledger_totals_posted, which sums the ledger before posting it instead of making
    every line.
#}

with

account_totals as (

    select * from {{ ref('int_ledger_totals_posted') }}

),

chart_of_accounts as (

    select * from {{ ref('chart_of_accounts') }}

),

final as (

    select
        chart_of_accounts.account_code,
        chart_of_accounts.account_name,
        chart_of_accounts.account_type,
        chart_of_accounts.normal_side,
        coalesce(account_totals.entry_count, 0) as entry_count,
        cast(coalesce(account_totals.total_debits, 0) as {{ money_total_type() }}) as total_debits,
        cast(coalesce(account_totals.total_credits, 0) as {{ money_total_type() }}) as total_credits,
        cast(
            coalesce(account_totals.total_debits, 0) - coalesce(account_totals.total_credits, 0)
            as {{ money_total_type() }}
        ) as balance,
        cast(
            case
                when chart_of_accounts.normal_side = 'debit'
                    then coalesce(account_totals.total_debits, 0) - coalesce(account_totals.total_credits, 0)
                else coalesce(account_totals.total_credits, 0) - coalesce(account_totals.total_debits, 0)
            end
            as {{ money_total_type() }}
        ) as normal_balance
    from chart_of_accounts
    left join account_totals
        on chart_of_accounts.account_code = account_totals.account_code

)

select * from final
