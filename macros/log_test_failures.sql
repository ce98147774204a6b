{#
    dbt reports only how many rows a test failed on. Finance and whoever is on call need to
    see which rows, so after every build the rows kept by store_failures are printed to the
    console and to logs/dbt.log, whatever started the build. The header says which relation
    the test read (`in source boberdoo.lead_sales`), so a raw row is named by table and key;
    phone numbers are masked (mask_personal_value).
#}
{% macro log_test_failures(results, max_rows=20) %}
    {% if execute %}
        {% for result in results %}
            {% set node = result.node %}
            {% if node.resource_type == 'test' and result.status in ('fail', 'warn') and node.relation_name %}
                {% set rows = run_query('select * from ' ~ node.relation_name ~ ' limit ' ~ max_rows) %}
                {% set tested = namespace(relation='') %}
                {% if node.test_metadata is defined and node.test_metadata %}
                    {% set found = modules.re.search(
                        "(source|ref)\(([^)]*)\)", node.test_metadata.kwargs.get('model', '') | string
                    ) %}
                    {% if found %}
                        {% set parts = found.group(2).replace("'", '').replace('"', '').split(',') | map('trim') | list %}
                        {% set tested.relation = ' in source ' ~ parts | join('.') %}
                        {% if found.group(1) == 'ref' %}
                            {% for unique_id in node.depends_on.nodes if unique_id.split('.')[-1] == parts[-1] %}
                                {% set tested.relation = ' in ' ~ unique_id.split('.')[0] ~ ' ' ~ parts[-1] %}
                            {% endfor %}
                        {% endif %}
                    {% endif %}
                {% endif %}
                {{ log(result.status | upper ~ ' ' ~ node.name ~ ': ' ~ result.failures ~ ' offending row(s)' ~ tested.relation ~ ', stored in ' ~ node.relation_name, info=True) }}
                {% for row in rows %}
                    {% set cells = [] %}
                    {% for column in rows.column_names %}
                        {% do cells.append(column ~ '=' ~ mask_personal_value(column, row[column])) %}
                    {% endfor %}
                    {{ log('    ' ~ cells | join(', '), info=True) }}
                {% endfor %}
            {% endif %}
        {% endfor %}
    {% endif %}
    {{ return('') }}
{% endmacro %}
