{#
    The far-future instant that ends every open interval: price versions store it as their
    valid_to (the snapshot's dbt_valid_to_current), and open_end_if_null reads a null end as
    it. One spelling, var open_interval_end in dbt_project.yml (YAML configs and fixtures,
    rendered without the project's macros, read the var), so a comparison always matches.
#}
{% macro open_interval_end() -%}
    cast('{{ var("open_interval_end") }}' as timestamp)
{%- endmacro %}
