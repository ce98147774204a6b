{#
    The far-future instant that ends every open interval: price versions store it as their
    valid_to (the snapshot's dbt_valid_to_current), and open_end_if_null reads a null end as
    it. One spelling, so a comparison with it always matches.
#}
{% macro open_interval_end() -%}
    cast('9999-12-31 00:00:00' as timestamp)
{%- endmacro %}
