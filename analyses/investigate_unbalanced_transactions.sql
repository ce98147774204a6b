-- Runbook step 1: which transactions do not balance, and every line of them.

with

unbalanced_transactions as (

    select * from {{ ref('ledger_unbalanced_transactions') }}

),

entries as (

    select * from {{ ref('ledger_entries') }}

),

final as (

    select
        unbalanced_transactions.transaction_id,
        unbalanced_transactions.difference as transaction_difference,
        entries.entry_id,
        entries.account_code,
        entries.account_type,
        entries.debit,
        entries.credit,
        entries.event_at,
        entries.source
    from unbalanced_transactions
    inner join entries
        on unbalanced_transactions.transaction_id = entries.transaction_id

)

select * from final
order by transaction_id, entry_id
