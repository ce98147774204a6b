{#- One mart of both builds joined on its grain key and copy number, as counts under their
    names; only counted when it has no grain key or one side lacks it. -#}
{% macro data_diff_mart(name, key, base, head, ignored_columns) %}
    {% set result = {'name': name, 'key': key, 'base_rows': none, 'head_rows': none} %}
    {% if base is none or head is none or key is none %}
        {% for side, relation in [('base', base), ('head', head)] if relation is not none %}
            {% set counted = data_diff_records('select count(*) as row_count from ' ~ relation) %}
            {% do result.update({side ~ '_rows': counted[0].row_count | int}) %}
        {% endfor %}
        {{ return(result) }}
    {% endif %}
    {% set base_types = data_diff_columns(base) %}
    {% set head_types = data_diff_columns(head) %}
    {% set common = base_types | reject('in', ignored_columns) | select('in', head_types) | list %}
    {% set copy_order = [] %}
    {% for column in common %}
        {% do copy_order.append('cast(' ~ adapter.quote(column) ~ ' as ' ~ dbt.type_string() ~ ')') %}
    {% endfor %}
    {% set joined = data_diff_joined_sql(key, base, head, common, base_types, head_types, copy_order) %}
    {% set counts = data_diff_records(data_diff_summary_sql('(' ~ joined ~ ') as joined', common))[0] %}
    {% set changed_columns = {} %}
    {% set retyped = [] %}
    {% for column in common %}
        {% if counts['changed__' ~ column] %}
            {% do changed_columns.update({column: counts['changed__' ~ column]}) %}
        {% endif %}
        {% if base_types[column] != head_types[column] %}
            {% do retyped.append(column ~ ': ' ~ base_types[column] ~ ' -> ' ~ head_types[column]) %}
        {% endif %}
    {% endfor %}
    {% do result.update({
        'base_rows': counts.base_rows or 0,
        'head_rows': counts.head_rows or 0,
        'added': (counts.added_ids or 0) + (counts.added_copies or 0),
        'removed': (counts.removed_ids or 0) + (counts.removed_copies or 0),
        'changed': counts.changed or 0,
        'base_extra_copies': counts.base_extra_copies or 0,
        'head_extra_copies': counts.head_extra_copies or 0,
        'changed_columns': changed_columns,
        'base_only_columns': base_types | reject('in', head_types) | list,
        'head_only_columns': head_types | reject('in', base_types) | list,
        'retyped_columns': retyped,
    }) %}
    {{ return(result) }}
{% endmacro %}
