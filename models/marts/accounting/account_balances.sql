{#
    Every account of the chart with its debits, credits and balance. balance is debits minus
    credits; normal_balance is signed by the account's normal side, so a healthy receivable
    and a healthy revenue account both show positive.
#}

with

entries as (

    select * from {{ ref('ledger_entries') }}

),

chart_of_accounts as (

    select * from {{ ref('chart_of_accounts') }}

),

totals as (

    select
        account_code,
        count(*) as entry_count,
        sum(debit) as total_debits,
        sum(credit) as total_credits
    from entries
    group by account_code

),

final as (

    select
        chart_of_accounts.account_code,
        chart_of_accounts.account_name,
        chart_of_accounts.account_type,
        chart_of_accounts.normal_side,
        coalesce(totals.entry_count, 0) as entry_count,
        cast(coalesce(totals.total_debits, 0) as {{ money_total_type() }}) as total_debits,
        cast(coalesce(totals.total_credits, 0) as {{ money_total_type() }}) as total_credits,
        cast(coalesce(totals.total_debits, 0) - coalesce(totals.total_credits, 0) as {{ money_total_type() }})
            as balance,
        cast(
            case
                when chart_of_accounts.normal_side = 'debit'
                    then coalesce(totals.total_debits, 0) - coalesce(totals.total_credits, 0)
                else coalesce(totals.total_credits, 0) - coalesce(totals.total_debits, 0)
            end
            as {{ money_total_type() }}
        ) as normal_balance
    from chart_of_accounts
    left join totals
        on chart_of_accounts.account_code = totals.account_code

)

select * from final
