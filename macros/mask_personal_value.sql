{#
    Caller and lead phone numbers are personal data. Wherever rows are printed (the failing
    rows after every build, and so logs/dbt.log and the nightly job's log), the value of a
    column named like *phone* keeps only its last 4 characters; shorter values are hidden.
#}
{% macro mask_personal_value(column_name, value) -%}
    {%- if value is none or 'phone' not in (column_name | lower) -%}
        {{- return(value) -}}
    {%- endif -%}
    {%- set text = value | string -%}
    {%- set hidden = (text | length) - 4 if (text | length) > 4 else (text | length) -%}
    {{- return('*' * hidden ~ text[hidden:]) -}}
{%- endmacro %}

{#
    The same rule in SQL, for the marts: an analyst reads a phone column as printed rows
    show it, every character but the last 4 replaced by '*', a value of 4 or fewer hidden
    whole, null kept null. Only raw and staging hold the whole number.
#}
{% macro mask_personal_column(column) -%}
    cast(
        case
            when length({{ column }}) > 4
                then repeat('*', length({{ column }}) - 4) || right({{ column }}, 4)
            else repeat('*', length({{ column }}))
        end
        as {{ dbt.type_string() }}
    )
{%- endmacro %}
