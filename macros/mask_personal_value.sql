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
