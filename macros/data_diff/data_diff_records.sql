{#- A query's rows as a list of {column: value}: every figure leaves the engine under its
    column's name, never by its position in a row. -#}
{% macro data_diff_records(sql) %}
    {% set table = run_query(sql) %}
    {% set records = [] %}
    {% for row in table.rows %}
        {% set record = {} %}
        {% for name in table.column_names %}
            {% do record.update({name | lower: data_diff_value(row[name])}) %}
        {% endfor %}
        {% do records.append(record) %}
    {% endfor %}
    {{ return(records) }}
{% endmacro %}
