{#
    dbt reports only how many rows a test failed on. Finance and whoever is on call need to
    see which rows, so after every build the rows kept by store_failures are printed to the
    console and to logs/dbt.log, whatever started the build.
#}
{% macro log_test_failures(results, max_rows=20) %}
    {% if execute %}
        {% for result in results %}
            {% set node = result.node %}
            {% if node.resource_type == 'test' and result.status in ('fail', 'warn') and node.relation_name %}
                {% set rows = run_query('select * from ' ~ node.relation_name ~ ' limit ' ~ max_rows) %}
                {{ log(result.status | upper ~ ' ' ~ node.name ~ ': ' ~ result.failures ~ ' offending row(s), stored in ' ~ node.relation_name, info=True) }}
                {% for row in rows %}
                    {% set cells = [] %}
                    {% for column in rows.column_names %}
                        {% do cells.append(column ~ '=' ~ row[column]) %}
                    {% endfor %}
                    {{ log('    ' ~ cells | join(', '), info=True) }}
                {% endfor %}
            {% endif %}
        {% endfor %}
    {% endif %}
    {{ return('') }}
{% endmacro %}
