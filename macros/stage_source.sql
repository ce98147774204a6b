{#
    Most staging models were the same thirty lines around a different select list: import the
    source, rename and cast every column, collapse exact duplicates (a re-landed batch), select
    from final. The model now states only what is its own (source, renames, whether duplicates
    stay, columns derived from the renamed ones in a call block) and this macro the shape, as
    stage_lead_delivery does for the delivery tables. The columns and their types come from the
    source's YAML through staged_columns. Conflicting duplicates of an id are left for the
    unique test to name. The views a reader must fold in stay one select written in their own
    file (DECISIONS.md, "No WITH clause in a view a reader must fold in").
#}
{% macro stage_source(source_name, table_name, renames={}, distinct=true, optional=false) -%}
with

source as (

    select * from {{ optional_source(source_name, table_name) if optional else source(source_name, table_name) }}

),

renamed as (

    select{{ ' distinct' if distinct }}
        {{ staged_columns(source_name, table_name, renames=renames) | indent(8) }}
    from source

),

final as (

{%- if caller is defined %}

    select
        *,
        {{ caller() | trim | indent(8) }}
    from renamed
{%- else %}

    select * from renamed
{%- endif %}

)

select * from final
{%- endmacro %}
