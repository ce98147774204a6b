with

source as (

    select * from {{ source('finance', 'manual_journal_lines') }}

),

renamed as (

    select distinct
        {{ staged_columns('finance', 'manual_journal_lines') | indent(8) }}
    from source

),

final as (

    select
        *,
        journal_id || ':' || cast(line_number as {{ dbt.type_string() }}) as journal_line_id
    from renamed

)

select * from final
