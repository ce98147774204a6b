{#
    Spec 4: each lead_sales_ledger row is one balanced transaction (transaction_id = ledger_id).
      lead_delivery  Dr 1100 billed, Dr 4800 discount, Cr 4000 msrp
      lead_sale      Dr 1100 / Cr 4100
      conversion     Dr 1100 / Cr 4200
      call           Dr 1100 / Cr 4300
      refund         Dr 4900 / Cr 1100, for the absolute amount
    Lines of amount 0 are left out (a delivery without discount has no 4800 line).
    The rule is a small table joined to the ledger rows, so the ledger is read once however
    many lines a row posts: reading it once per line kind multiplied the cost of every
    read of ledger_entries.
#}

with

ledger_rows as (

    select * from {{ ref('int_ledger_rows_unioned') }}

),

ledger as (

    select * from ledger_rows
    where event_at >= {{ ledger_start_at() }}

),

posting_rules as (

    {%- set rules = [
        ('lead_delivery', 1, '1100', 'debit', 'billed_amount'),
        ('lead_delivery', 2, '4800', 'debit', 'discount_amount'),
        ('lead_delivery', 3, '4000', 'credit', 'msrp'),
        ('lead_sale', 1, '1100', 'debit', 'billed_amount'),
        ('lead_sale', 3, '4100', 'credit', 'msrp'),
        ('conversion', 1, '1100', 'debit', 'billed_amount'),
        ('conversion', 3, '4200', 'credit', 'msrp'),
        ('call', 1, '1100', 'debit', 'billed_amount'),
        ('call', 3, '4300', 'credit', 'msrp'),
        ('refund', 1, '4900', 'debit', 'refunded_amount'),
        ('refund', 2, '1100', 'credit', 'refunded_amount'),
    ] %}
    {%- for event_type, line_number, account_code, side, amount in rules %}
    select
        '{{ event_type }}' as event_type,
        {{ line_number }} as line_number,
        '{{ account_code }}' as account_code,
        '{{ side }}' as side,
        '{{ amount }}' as amount_column
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),

posted as (

    select
        ledger.ledger_id as transaction_id,
        posting_rules.line_number,
        posting_rules.account_code,
        posting_rules.side,
        case posting_rules.amount_column
            when 'billed_amount' then ledger.billed_amount
            when 'discount_amount' then ledger.discount_amount
            when 'msrp' then ledger.msrp
            when 'refunded_amount' then -ledger.billed_amount
        end as amount,
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
