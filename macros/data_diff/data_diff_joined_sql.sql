{#
    Two relations' rows joined on a key and copy number, each row once, classified as added,
    removed, changed or unchanged (diff_kind), in the spirit of dbt-audit-helper's
    compare_all_columns. Each side numbers the copies of a key (diff_copy, ordered by
    copy_order so that identical copies pair up) and the full outer join is on key and copy:
    a key held twice on one side leaves one copy unmatched, counted as an extra copy added or
    removed, where EXCEPT, a set operation, would fold the copies together and hide it.
    changed__<column> is 1 where a matched row's value differs (null equals null; a retyped
    column is compared as text); with_values keeps base__<column> and head__<column>.
#}
{% macro data_diff_joined_sql(
    key, base, head, columns, base_types, head_types, copy_order, with_values=false
) %}
    {%- set text = dbt.type_string() -%}
    with

    {% for side, relation in [('b', base), ('h', head)] -%}
    {{ side }} as (
        select
            *,
            coalesce(cast({{ key }} as {{ text }}), '(null)') as diff_key,
            row_number() over (
                partition by coalesce(cast({{ key }} as {{ text }}), '(null)')
                order by {{ copy_order | join(', ') or '1' }}
            ) as diff_copy
        from {{ relation }}
    ),

    {% endfor -%}
    joined as (
        select
            coalesce(b.diff_key, h.diff_key) as diff_key,
            coalesce(b.diff_copy, h.diff_copy) as diff_copy,
            b.diff_copy as base_copy,
            h.diff_copy as head_copy,
            {%- for column in columns %}
            {%- set b_value = 'b.' ~ adapter.quote(column) %}
            {%- set h_value = 'h.' ~ adapter.quote(column) %}
            {%- if base_types[column] != head_types[column] %}
                {%- set b_value = 'cast(' ~ b_value ~ ' as ' ~ text ~ ')' %}
                {%- set h_value = 'cast(' ~ h_value ~ ' as ' ~ text ~ ')' %}
            {%- endif %}
            case
                when b.diff_copy is null or h.diff_copy is null then 0
                when {{ b_value }} = {{ h_value }} then 0
                when {{ b_value }} is null and {{ h_value }} is null then 0
                else 1
            end as changed__{{ column }},
            {%- if with_values %}
            b.{{ adapter.quote(column) }} as base__{{ column }},
            h.{{ adapter.quote(column) }} as head__{{ column }},
            {%- endif %}
            {%- endfor %}
            0 as changed__none
        from b
        full outer join h
            on b.diff_key = h.diff_key and b.diff_copy = h.diff_copy
    )

    select
        *,
        case
            when base_copy is null then 'added'
            when head_copy is null then 'removed'
            when ({% for column in columns %}changed__{{ column }} + {% endfor %}0) > 0 then 'changed'
            else 'unchanged'
        end as diff_kind
    from joined
{%- endmacro %}
