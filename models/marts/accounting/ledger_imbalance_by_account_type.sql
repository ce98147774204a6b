{# Account balances summed by account type, the breakdown of the balance alert. #}

with

account_balances as (

    select * from {{ ref('account_balances') }}

),

final as (

    select
        account_type,
        cast(sum(case when entry_count > 0 then 1 else 0 end) as bigint) as account_count,
        cast(sum(total_debits) as {{ money_total_type() }}) as total_debits,
        cast(sum(total_credits) as {{ money_total_type() }}) as total_credits,
        cast(sum(balance) as {{ money_total_type() }}) as balance
    from account_balances
    group by account_type

)

select * from final
