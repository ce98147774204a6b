{#
    The double-entry ledger: the posted lines of every lead_sales_ledger row, and finance's
    manual journals unchanged as transactions manual:<journal_id>.
#}

with

posted_ledger_lines as (

    select * from {{ ref('int_ledger_rows_posted') }}

),

manual_journal_lines as (

    select * from {{ ref('stg_finance__manual_journal_lines') }}

),

chart_of_accounts as (

    select * from {{ ref('chart_of_accounts') }}

),

ledger_lines as (

    select
        transaction_id,
        line_number,
        account_code,
        debit,
        credit,
        event_at,
        mortgage_broker_id,
        'ledger' as source
    from posted_ledger_lines

),

manual_lines as (

    select
        'manual:' || journal_id as transaction_id,
        line_number,
        account_code,
        debit,
        credit,
        entered_at as event_at,
        cast(null as bigint) as mortgage_broker_id,
        'manual' as source
    from manual_journal_lines

),

all_lines as (

    select * from ledger_lines
    union all
    select * from manual_lines

),

final as (

    select
        cast(
            all_lines.transaction_id || ':' || cast(all_lines.line_number as {{ dbt.type_string() }})
            as {{ dbt.type_string() }}
        ) as entry_id,
        cast(all_lines.transaction_id as {{ dbt.type_string() }}) as transaction_id,
        cast(all_lines.account_code as {{ dbt.type_string() }}) as account_code,
        cast(chart_of_accounts.account_type as {{ dbt.type_string() }}) as account_type,
        cast(all_lines.debit as numeric(12, 2)) as debit,
        cast(all_lines.credit as numeric(12, 2)) as credit,
        cast(all_lines.event_at as timestamp) as event_at,
        cast(all_lines.mortgage_broker_id as bigint) as mortgage_broker_id,
        cast(all_lines.source as {{ dbt.type_string() }}) as source
    from all_lines
    left join chart_of_accounts
        on all_lines.account_code = chart_of_accounts.account_code

)

select * from final
