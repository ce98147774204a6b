-- Runbook step 1: which transactions do not balance, and every line of them.

with

unbalanced_lines as (

    {{ unbalanced_transaction_lines() }}

),

final as (

    select
        transaction_id,
        transaction_difference,
        entry_id,
        account_code,
        account_type,
        debit,
        credit,
        event_at,
        source
    from unbalanced_lines

)

select * from final
order by transaction_id, entry_id
