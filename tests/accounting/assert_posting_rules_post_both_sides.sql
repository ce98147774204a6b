{#
    Each event type's rule in seeds/ledger_posting_rules.csv is one whole rule: at least one
    debit line and one credit line, and no amount carried twice on the same side (two rows
    posting one amount, a copy or a contradiction). Returns one row per broken event type,
    naming it and what is wrong. The seed's row_rules test catches a repeated line number,
    relationships_rows an account missing from chart_of_accounts, and
    assert_ledger_entries_well_formed a ledger event type without any rule.
#}

with

posting_rules as (

    select * from {{ ref('ledger_posting_rules') }}

),

sides as (

    select
        event_type,
        sum(case when side = 'debit' then 1 else 0 end) as debit_line_count,
        sum(case when side = 'credit' then 1 else 0 end) as credit_line_count
    from posting_rules
    group by event_type

),

one_sided as (

    select
        event_type,
        case
            when debit_line_count = 0 then 'no debit line'
            else 'no credit line'
        end as broken_rule
    from sides
    where debit_line_count = 0 or credit_line_count = 0

),

repeated_amounts as (

    select
        event_type,
        'amount ' || amount_column || ' posted ' || cast(count(*) as {{ dbt.type_string() }})
        || ' times on the ' || side || ' side' as broken_rule
    from posting_rules
    group by event_type, side, amount_column
    having count(*) > 1

),

final as (

    select * from one_sided
    union all
    select * from repeated_amounts

)

select * from final
