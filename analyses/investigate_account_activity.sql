-- Runbook step 3: the monthly movements of one account (set the code below), to see when a
-- balance started to drift.
{% set account_code = '1100' %}

with

trial_balance as (

    select * from {{ ref('trial_balance_monthly') }}

),

final as (

    select *
    from trial_balance
    where account_code = '{{ account_code }}'

)

select * from final
order by balance_month
