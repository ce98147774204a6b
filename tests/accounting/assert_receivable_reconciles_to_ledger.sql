{#
    Accounts receivable, manual journals aside, equals the sum of billed_amount in
    lead_sales_ledger: the entries lose or invent no revenue. Returns both figures when not.
#}

with

entries as (

    select * from {{ ref('ledger_entries') }}

),

ledger as (

    select * from {{ ref('lead_sales_ledger') }}

),

receivable as (

    select coalesce(sum(debit) - sum(credit), 0) as receivable_balance
    from entries
    where account_code = '1100' and source = 'ledger'

),

billed as (

    select coalesce(sum(billed_amount), 0) as billed_total
    from ledger

),

compared as (

    select
        receivable.receivable_balance,
        billed.billed_total
    from receivable
    cross join billed

)

select * from compared
where receivable_balance <> billed_total
