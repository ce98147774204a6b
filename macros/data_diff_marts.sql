{#
    The pull request data diff of every mart, on the engine (dbt run-operation): each mart of
    two builds is joined on its grain key, the key of its row_rules test (or the column of
    its unique test), and every row comes out once as added, removed, changed or unchanged,
    in the spirit of dbt-audit-helper's compare_all_columns. Each side numbers the copies of
    a key (ordered by every column, so identical copies pair up) and the join is on key and
    copy number: a key held twice on one side is an extra row counted, never folded away as
    EXCEPT would. Only counts leave the engine: one JSON line on stdout, which
    ledger_ops/data_diff.py renders.

    Two builds are two schema prefixes (LEDGER_SCHEMA) of one database, and on DuckDB also
    two files, attached read-only to the session (run it on an in-memory DuckDB). A column
    whose value is that of the read, not of the build, is named in its model's meta
    (data_diff_ignored_columns) and not compared; a mart that records builds rather than data
    (meta data_diff: false, ledger_build_status) is left out.
#}
{% macro data_diff_marts(base_prefix, head_prefix, base_file=none, head_file=none) %}
    {% if not execute %}{{ return('') }}{% endif %}
    {% set databases = data_diff_attach(base_file, head_file) %}
    {% set marts = [] %}
    {% for node in graph.nodes.values() | sort(attribute='name')
        if node.resource_type == 'model' and node.fqn[1] == 'marts'
        and node.config.meta.get('data_diff', true) %}
        {% set base = adapter.get_relation(
            databases[0], base_prefix ~ '_marts', node.alias
        ) %}
        {% set head = adapter.get_relation(
            databases[1], head_prefix ~ '_marts', node.alias
        ) %}
        {# Columns whose value is that of the read (a check's time), named in the model's meta. #}
        {% set ignored = node.config.meta.get('data_diff_ignored_columns', []) %}
        {% do marts.append(data_diff_mart(
            node.alias, data_diff_grain_key(node), base, head, ignored
        )) %}
    {% endfor %}
    {{ print('data_diff_marts: ' ~ tojson({'marts': marts})) }}
{% endmacro %}


{# The databases (catalogs) of base and head; DuckDB files attached read-only first. #}
{% macro data_diff_attach(base_file, head_file) %}
    {% if base_file is none %}{{ return([target.database, target.database]) }}{% endif %}
    {% do run_query("attach '" ~ base_file | replace("'", "''") ~ "' as diff_base (read_only)") %}
    {% if head_file == base_file %}{{ return(['diff_base', 'diff_base']) }}{% endif %}
    {% do run_query("attach '" ~ head_file | replace("'", "''") ~ "' as diff_head (read_only)") %}
    {{ return(['diff_base', 'diff_head']) }}
{% endmacro %}


{# The grain key of a model, from its tests: row_rules' key, unique's column, or a unique combination. #}
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


{# One mart compared: counts of rows by kind and of changed values by column. #}
{% macro data_diff_mart(name, key, base, head, ignored_columns) %}
    {% set result = {'name': name, 'key': key, 'base_rows': none, 'head_rows': none} %}
    {% if base is none or head is none or key is none %}
        {% for side, relation in [('base', base), ('head', head)] if relation is not none %}
            {% set counted = run_query('select count(*) from ' ~ relation) %}
            {% do result.update({side ~ '_rows': counted.rows[0][0] | int}) %}
        {% endfor %}
        {{ return(result) }}
    {% endif %}
    {% set base_types = {} %}
    {% set head_types = {} %}
    {% for column in adapter.get_columns_in_relation(base) %}
        {% do base_types.update({column.name | lower: column.data_type | lower}) %}
    {% endfor %}
    {% for column in adapter.get_columns_in_relation(head) %}
        {% do head_types.update({column.name | lower: column.data_type | lower}) %}
    {% endfor %}
    {% set common = base_types | reject('in', ignored_columns) | select('in', head_types) | list %}
    {% set text = dbt.type_string() %}
    {% set ordered = [] %}
    {% set differs = {} %}
    {% for column in common %}
        {% do ordered.append('cast(' ~ adapter.quote(column) ~ ' as ' ~ text ~ ')') %}
        {% set b = 'b.' ~ adapter.quote(column) %}
        {% set h = 'h.' ~ adapter.quote(column) %}
        {% if base_types[column] != head_types[column] %}
            {% set b = 'cast(' ~ b ~ ' as ' ~ text ~ ')' %}
            {% set h = 'cast(' ~ h ~ ' as ' ~ text ~ ')' %}
        {% endif %}
        {% do differs.update({column: 'case when ' ~ b ~ ' = ' ~ h ~ ' or (' ~ b ~ ' is null and '
            ~ h ~ ' is null) then 0 else 1 end'}) %}
    {% endfor %}
    {% set sql %}
        with

        {%- for side, relation in [('b', base), ('h', head)] %}
        {{ side }} as (
            select
                *,
                coalesce(cast({{ key }} as {{ text }}), '(null)') as diff_key,
                row_number() over (
                    partition by coalesce(cast({{ key }} as {{ text }}), '(null)')
                    order by {{ ordered | join(', ') or '1' }}
                ) as diff_copy
            from {{ relation }}
        ),
        {% endfor %}

        joined as (
            select
                b.diff_copy as base_copy,
                h.diff_copy as head_copy,
                {%- for column in common %}
                case when b.diff_copy is null or h.diff_copy is null then 0
                    else {{ differs[column] }} end as changed_{{ loop.index }},
                {%- endfor %}
                0 as changed_none
            from b
            full outer join h
                on b.diff_key = h.diff_key and b.diff_copy = h.diff_copy
        )

        select
            sum(case when base_copy is not null then 1 else 0 end) as base_rows,
            sum(case when head_copy is not null then 1 else 0 end) as head_rows,
            sum(case when base_copy is null then 1 else 0 end) as added,
            sum(case when head_copy is null then 1 else 0 end) as removed,
            sum(case when base_copy is not null and head_copy is not null
                and ({% for column in common %}changed_{{ loop.index }} + {% endfor %}0) > 0
                then 1 else 0 end) as changed,
            sum(case when base_copy > 1 then 1 else 0 end) as base_extra_copies,
            sum(case when head_copy > 1 then 1 else 0 end) as head_extra_copies
            {%- for column in common %},
            sum(changed_{{ loop.index }}) as column_{{ loop.index }}
            {%- endfor %}
        from joined
    {% endset %}
    {% set row = run_query(sql).rows[0] %}
    {% set counts = [] %}
    {% for value in row %}{% do counts.append((value or 0) | int) %}{% endfor %}
    {% set columns = {} %}
    {% for column in common %}
        {% if counts[7 + loop.index0] > 0 %}
            {% do columns.update({column: counts[7 + loop.index0]}) %}
        {% endif %}
    {% endfor %}
    {% do result.update({
        'base_rows': counts[0], 'head_rows': counts[1], 'added': counts[2], 'removed': counts[3],
        'changed': counts[4], 'base_extra_copies': counts[5], 'head_extra_copies': counts[6],
        'changed_columns': columns,
        'base_only_columns': base_types | reject('in', head_types) | list,
        'head_only_columns': head_types | reject('in', base_types) | list,
    }) %}
    {% set retyped = [] %}
    {% for column in common if base_types[column] != head_types[column] %}
        {% do retyped.append(column ~ ': ' ~ base_types[column] ~ ' -> ' ~ head_types[column]) %}
    {% endfor %}
    {% do result.update({'retyped_columns': retyped}) %}
    {{ return(result) }}
{% endmacro %}
