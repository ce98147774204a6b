{#-
    The counts of a data_diff_joined_sql result (a relation, or the query in parentheses
    with an alias), each under its name: rows by kind, keys held more than once, copies
    beyond the first, rows per side, changed values per column, and per side the sum of each
    of `sums` (money: the engine's numeric). Counts are bigint on every engine.
-#}
{% macro data_diff_summary_sql(rows, columns, sums=[]) %}
    {%- set counts = {
        'unchanged': "diff_kind = 'unchanged'",
        'changed': "diff_kind = 'changed'",
        'added_ids': "diff_kind = 'added' and diff_copy = 1",
        'added_copies': "diff_kind = 'added' and diff_copy > 1",
        'removed_ids': "diff_kind = 'removed' and diff_copy = 1",
        'removed_copies': "diff_kind = 'removed' and diff_copy > 1",
        'base_duplicated_ids': 'base_copy = 2',
        'head_duplicated_ids': 'head_copy = 2',
        'base_extra_copies': 'base_copy > 1',
        'head_extra_copies': 'head_copy > 1',
        'base_rows': 'base_copy is not null',
        'head_rows': 'head_copy is not null',
    } -%}
    select
        {%- for name, condition in counts.items() %}
        cast(sum(case when {{ condition }} then 1 else 0 end) as {{ dbt.type_bigint() }}) as {{ name }},
        {%- endfor %}
        {%- for column in sums %}
        sum(base__{{ column }}) as base_sum__{{ column }},
        sum(head__{{ column }}) as head_sum__{{ column }},
        {%- endfor %}
        {%- for column in columns %}
        cast(sum(changed__{{ column }}) as {{ dbt.type_bigint() }}) as changed__{{ column }},
        {%- endfor %}
        0 as no_column
    from {{ rows }}
{%- endmacro %}
