{#
    Spec 4: each lead_sales_ledger row is one balanced transaction (transaction_id = ledger_id).
      lead_delivery  Dr 1100 billed, Dr 4800 discount, Cr 4000 msrp
      lead_sale      Dr 1100 / Cr 4100
      conversion     Dr 1100 / Cr 4200
      call           Dr 1100 / Cr 4300
      refund         Dr 4900 / Cr 1100, for the absolute amount
    Lines of amount 0 are left out (a delivery without discount has no 4800 line).
#}

with

ledger as (

    select * from {{ ref('lead_sales_ledger') }}

),

receivable_lines as (

    select
        ledger_id as transaction_id,
        1 as line_number,
        '1100' as account_code,
        billed_amount as debit,
        0 as credit,
        event_at,
        mortgage_broker_id
    from ledger
    where event_type <> 'refund'

),

discount_lines as (

    select
        ledger_id as transaction_id,
        2 as line_number,
        '4800' as account_code,
        discount_amount as debit,
        0 as credit,
        event_at,
        mortgage_broker_id
    from ledger
    where event_type = 'lead_delivery'

),

revenue_lines as (

    select
        ledger_id as transaction_id,
        3 as line_number,
        case event_type
            when 'lead_delivery' then '4000'
            when 'lead_sale' then '4100'
            when 'conversion' then '4200'
            when 'call' then '4300'
        end as account_code,
        0 as debit,
        msrp as credit,
        event_at,
        mortgage_broker_id
    from ledger
    where event_type <> 'refund'

),

refund_lines as (

    select
        ledger_id as transaction_id,
        1 as line_number,
        '4900' as account_code,
        -billed_amount as debit,
        0 as credit,
        event_at,
        mortgage_broker_id
    from ledger
    where event_type = 'refund'
    union all
    select
        ledger_id as transaction_id,
        2 as line_number,
        '1100' as account_code,
        0 as debit,
        -billed_amount as credit,
        event_at,
        mortgage_broker_id
    from ledger
    where event_type = 'refund'

),

all_lines as (

    select * from receivable_lines
    union all
    select * from discount_lines
    union all
    select * from revenue_lines
    union all
    select * from refund_lines

),

final as (

    select
        transaction_id,
        cast(line_number as integer) as line_number,
        cast(account_code as {{ dbt.type_string() }}) as account_code,
        cast(debit as numeric(12, 2)) as debit,
        cast(credit as numeric(12, 2)) as credit,
        event_at,
        mortgage_broker_id
    from all_lines
    where debit <> 0 or credit <> 0

)

select * from final
