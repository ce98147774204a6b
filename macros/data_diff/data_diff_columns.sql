{#- A relation's columns as {name: type}, lower-cased and in the relation's order: what the
    two sides have in common, and which column was retyped, is read from these. -#}
{% macro data_diff_columns(relation) %}
    {% set types = {} %}
    {% for column in adapter.get_columns_in_relation(relation) %}
        {% do types.update({column.name | lower: column.data_type | lower}) %}
    {% endfor %}
    {{ return(types) }}
{% endmacro %}
