-- Runbook step 2: manual journals are the one place an imbalance can enter. Every journal
-- with its totals, who keyed it and when, newest first.

with

manual_journal_lines as (

    select * from {{ ref('stg_finance__manual_journal_lines') }}

),

final as (

    select
        journal_id,
        min(entered_by) as entered_by,
        max(entered_at) as last_entered_at,
        count(*) as line_count,
        sum(debit) as total_debits,
        sum(credit) as total_credits,
        sum(debit) - sum(credit) as difference
    from manual_journal_lines
    group by journal_id

)

select * from final
order by last_entered_at desc, journal_id asc
