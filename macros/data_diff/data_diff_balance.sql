{#- ledger_balance_check of both builds side by side, under the union of their columns (null
    where a side lacks one); a side without the view is none. The columns its model's meta
    names data_diff_ignored_columns (the time of the check) are left out. -#}
{% macro data_diff_balance(base, head) %}
    {% set ignored = [] %}
    {% for node in graph.nodes.values()
        if node.resource_type == 'model' and node.name == 'ledger_balance_check' %}
        {% do ignored.extend(node.config.meta.get('data_diff_ignored_columns', [])) %}
    {% endfor %}
    {% set relations = [] %}
    {% set columns = [] %}
    {% for side in [base, head] %}
        {% set relation = adapter.get_relation(side.database, side.schema, 'ledger_balance_check') %}
        {% set names = data_diff_columns(relation) if relation is not none else {} %}
        {% do relations.append((relation, names)) %}
        {% for name in names if name not in columns and name not in ignored %}
            {% do columns.append(name) %}
        {% endfor %}
    {% endfor %}
    {% set values = [] %}
    {% for relation, names in relations %}
        {% set picked = [] %}
        {% for column in columns %}
            {% do picked.append((adapter.quote(column) if column in names else 'null') ~ ' as ' ~ column) %}
        {% endfor %}
        {% set rows = data_diff_records('select ' ~ picked | join(', ') ~ ' from ' ~ relation)
            if relation is not none and columns else [] %}
        {% do values.append(rows[0] if rows else none) %}
    {% endfor %}
    {{ return({'columns': columns, 'base': values[0], 'head': values[1]}) }}
{% endmacro %}
