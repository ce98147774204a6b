{#
    Each line carries its amount on exactly one side: one of debit and credit is > 0 and the
    other is 0. Returns the lines that do not.
#}

{{ run_after_balance_reports() }}

with

entries as (

    select * from {{ ref('ledger_entries') }}

),

two_sided_or_empty as (

    select * from entries
    where not (
        (debit > 0 and credit = 0)
        or (credit > 0 and debit = 0)
    )

)

select * from two_sided_or_empty
