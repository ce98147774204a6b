{#
    Spec 4: each lead_sales_ledger row is one balanced transaction (transaction_id = ledger_id),
    posted by the rules of the seed ledger_posting_rules. Lines of amount 0 are left out (a
    delivery without discount has no 4800 line). The rules are a small table joined to the
    ledger rows, so the ledger is read once however many lines a row posts: reading it once
    per line kind multiplied the cost of every read of ledger_entries.
#}

with

{{ ledger_posting_imports() }},

posted as (

    select
        ledger.ledger_id as transaction_id,
        posting_rules.line_number,
        posting_rules.account_code,
        posting_rules.side,
        {{ posting_rule_amount('ledger') }} as amount,
        ledger.event_at,
        ledger.mortgage_broker_id
    from ledger
    inner join posting_rules
        on ledger.event_type = posting_rules.event_type

),

final as (

    select
        transaction_id,
        cast(line_number as integer) as line_number,
        cast(account_code as {{ dbt.type_string() }}) as account_code,
        cast(case when side = 'debit' then amount else 0 end as numeric(12, 2)) as debit,
        cast(case when side = 'credit' then amount else 0 end as numeric(12, 2)) as credit,
        event_at,
        mortgage_broker_id
    from posted
    where amount <> 0

)

select * from final
