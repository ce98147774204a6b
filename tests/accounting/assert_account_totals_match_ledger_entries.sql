{#
    int_ledger_totals_posted posts the ledger's totals per event type instead of its lines,
    for the balance reports' speed: it must give what ledger_entries summed per account gives
    (line count, debits, credits), to the cent. Returns each account where they differ. Only
    a change to either model can fail this: structural, run on pull requests.
#}
{{ config(tags=['structural']) }}

with

entries as (

    select * from {{ ref('ledger_entries') }}

),

account_totals as (

    select * from {{ ref('int_ledger_totals_posted') }}

),

from_lines as (

    select
        account_code,
        count(*) as entry_count,
        sum(debit) as total_debits,
        sum(credit) as total_credits
    from entries
    group by account_code

),

compared as (

    select
        coalesce(from_lines.account_code, account_totals.account_code) as account_code,
        from_lines.entry_count as line_entry_count,
        account_totals.entry_count,
        from_lines.total_debits as line_total_debits,
        account_totals.total_debits,
        from_lines.total_credits as line_total_credits,
        account_totals.total_credits
    from from_lines
    full outer join account_totals
        on from_lines.account_code = account_totals.account_code

),

final as (

    select * from compared
    where
        coalesce(line_entry_count, 0) <> coalesce(entry_count, 0)
        or coalesce(line_total_debits, 0) <> coalesce(total_debits, 0)
        or coalesce(line_total_credits, 0) <> coalesce(total_credits, 0)

)

select * from final
