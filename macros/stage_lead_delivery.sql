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
        cast(id as bigint) as delivery_id,
        cast({{ filter_column }} as bigint) as filter_id,
        cast({{ lead_column }} as bigint) as lead_id,
        cast(mortgage_broker_id as bigint) as mortgage_broker_id,
        cast(created_at as timestamp) as delivered_at,
        cast('{{ lead_type }}' as {{ dbt.type_string() }}) as lead_type,
        cast('{{ product_code }}' as {{ dbt.type_string() }}) as product_code
    from source

),

final as (

    select * from renamed

)

select * from final

{% endmacro %}
