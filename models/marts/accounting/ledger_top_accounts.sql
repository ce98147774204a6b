{# The five accounts with the largest absolute balance (debits minus credits). #}

with

account_balances as (

    select * from {{ ref('account_balances') }}

),

ranked as (

    select
        row_number() over (
            order by abs(balance) desc, account_code
        ) as account_rank,
        account_code,
        account_name,
        account_type,
        balance,
        cast(abs(balance) as {{ money_total_type() }}) as absolute_balance
    from account_balances

),

final as (

    select * from ranked
    where account_rank <= 5

)

select * from final
