{#- One value as JSON can carry it: a decimal as {"__decimal__": "<text>"} so that money stays
    exact (JSON numbers are floats to most readers, and tojson refuses a Decimal), a date or
    time as its ISO text; null, booleans, integers and text as they are. -#}
{% macro data_diff_value(value) %}
    {% if value is none or value is boolean or value is integer or value is string %}
        {{ return(value) }}
    {% elif value is number %}
        {{ return({'__decimal__': value | string}) }}
    {% endif %}
    {{ return(value | string) }}
{% endmacro %}
