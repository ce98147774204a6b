with

source as (

    select * from {{ source('finance', 'manual_journal_lines') }}

),

renamed as (

    select distinct
        cast(journal_id as {{ dbt.type_string() }}) as journal_id,
        cast(line_number as integer) as line_number,
        cast(account_code as {{ dbt.type_string() }}) as account_code,
        cast(debit as numeric(12, 2)) as debit,
        cast(credit as numeric(12, 2)) as credit,
        cast(memo as {{ dbt.type_string() }}) as memo,
        cast(entered_by as {{ dbt.type_string() }}) as entered_by,
        cast(entered_at as timestamp) as entered_at
    from source

),

final as (

    select
        *,
        journal_id || ':' || cast(line_number as {{ dbt.type_string() }}) as journal_line_id
    from renamed

)

select * from final
