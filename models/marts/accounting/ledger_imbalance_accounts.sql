{#
    The accounts named by the lines of unbalanced transactions, and how much they carry there.
    Only manual journals can be unbalanced (ledger_unbalanced_transactions), so only their
    lines are joined (macro unbalanced_transaction_lines): the ledger's branch of
    ledger_entries is never computed here.
#}

with

chart_of_accounts as (

    select * from {{ ref('chart_of_accounts') }}

),

unbalanced_lines as (

    {{ unbalanced_transaction_lines() }}

),

by_account as (

    select
        account_code,
        count(distinct transaction_id) as transaction_count,
        sum(debit) as total_debits,
        sum(credit) as total_credits
    from unbalanced_lines
    group by account_code

),

final as (

    select
        by_account.account_code,
        chart_of_accounts.account_name,
        chart_of_accounts.account_type,
        by_account.transaction_count,
        cast(by_account.total_debits as {{ money_total_type() }}) as total_debits,
        cast(by_account.total_credits as {{ money_total_type() }}) as total_credits,
        cast(by_account.total_debits - by_account.total_credits as {{ money_total_type() }}) as net_amount
    from by_account
    left join chart_of_accounts
        on by_account.account_code = chart_of_accounts.account_code

)

select * from final
