{#
    The ledger's deal types are listed once, in the var deal_types of dbt_project.yml; the
    accepted-values tests read them through this macro.
#}
{% macro deal_types(sold_in=none) %}
    {%- set found = [] -%}
    {%- for deal_type, table in var('deal_types').items() -%}
        {%- if sold_in is none or table == sold_in -%}
            {%- do found.append(deal_type) -%}
        {%- endif -%}
    {%- endfor -%}
    {{- return(found) -}}
{% endmacro %}
