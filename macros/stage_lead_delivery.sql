{#
    The four delivery tables of the billing database differ only in the names of their filter
    and lead columns; each staging model states its table and names, this macro the shape.
    Exact duplicate rows (a re-landed batch) are collapsed here; conflicting duplicates of an
    id are left for the unique test to name.
#}
{% macro stage_lead_delivery(table_name, filter_column, lead_column, lead_type, product_code) %}

with

source as (

    select * from {{ source('billing', table_name) }}

),

renamed as (

    select distinct
        {{ staged_columns('billing', table_name, renames={
            'id': 'delivery_id',
            filter_column: 'filter_id',
            lead_column: 'lead_id',
            'created_at': 'delivered_at',
        }) | indent(8) }},
        cast('{{ lead_type }}' as {{ dbt.type_string() }}) as lead_type,
        cast('{{ product_code }}' as {{ dbt.type_string() }}) as product_code
    from source

),

final as (

    select * from renamed

)

select * from final

{% endmacro %}
