{# The disposition tests differ only in the item's value read and the rule it must keep: the rest is written once here. #}
{% macro dispositions_disagreeing_with_their_item(calls, lead_sale_column, call_column, item_column, disagrees_when) -%}

with

with_item as (

    {{ dispositions_with_their_item(
        calls=calls,
        lead_sale_column=lead_sale_column,
        call_column=call_column,
        item_column=item_column
    ) }}

),

disagreeing as (

    select * from with_item
    where {{ disagrees_when }}

)

select * from disagreeing

{%- endmacro %}
