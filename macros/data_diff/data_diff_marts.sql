{#
    Every mart of two builds compared by its grain key (data_diff_grain_key), so a mart whose
    values moved with the same number of rows is seen, and a new mart needs no list kept by
    hand. A column whose value is that of the read, not of the build, is named in its
    model's meta (data_diff_ignored_columns) and not compared; a mart that records builds
    rather than data (meta data_diff: false, ledger_build_status) is left out.
#}
{% macro data_diff_marts(base, head) %}
    {% set marts = [] %}
    {% for node in graph.nodes.values() | sort(attribute='name')
        if node.resource_type == 'model' and node.fqn[1] == 'marts'
        and node.config.meta.get('data_diff', true) %}
        {% do marts.append(data_diff_mart(
            node.alias,
            data_diff_grain_key(node),
            adapter.get_relation(base.database, base.schema, node.alias),
            adapter.get_relation(head.database, head.schema, node.alias),
            node.config.meta.get('data_diff_ignored_columns', []),
        )) %}
    {% endfor %}
    {{ return(marts) }}
{% endmacro %}
