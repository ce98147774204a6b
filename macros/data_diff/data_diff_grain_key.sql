{#- A model's grain key as SQL, read from its tests (row_rules' key, unique's column, or a
    unique combination of columns), so a new mart is compared without a list kept by hand;
    none when it has none. -#}
{% macro data_diff_grain_key(node) %}
    {% for test in graph.nodes.values()
        if test.resource_type == 'test' and test.attached_node == node.unique_id
        and test.test_metadata is defined and test.test_metadata %}
        {% set kwargs = test.test_metadata.kwargs %}
        {% if test.test_metadata.name == 'row_rules' %}
            {{ return(kwargs.key) }}
        {% elif test.test_metadata.name == 'unique' %}
            {{ return(kwargs.column_name) }}
        {% elif test.test_metadata.name == 'unique_combination_of_columns' %}
            {{ return(kwargs.combination_of_columns | join(" || ':' || ")) }}
        {% endif %}
    {% endfor %}
    {{ return(none) }}
{% endmacro %}
