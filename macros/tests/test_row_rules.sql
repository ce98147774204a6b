{#
    The row rules of one model checked in one query: its key (unique and not null), the
    columns that must not be null, and the columns with a fixed set of values. On a view,
    every separate test computes the view's whole chain again; at production volume a
    dozen column tests on the ledger cost minutes, this costs one read. Each offending row
    comes back once, with its key and every rule it breaks, so the failure names it.
#}
{% test row_rules(model, key, not_null=[], accepted_values={}) %}

{%- set value_columns = (not_null + (accepted_values.keys() | list)) | unique | list %}

with

model_rows as (

    select
        cast({{ key }} as {{ dbt.type_string() }}) as key_value
        {%- for column in value_columns %},
        {{ column }}
        {%- endfor %}
    from {{ model }}

),

duplicate_keys as (

    select
        key_value,
        cast(
            'unique: ' || cast(count(*) as {{ dbt.type_string() }}) || ' rows share this key'
            as {{ dbt.type_string() }}
        ) as broken_rules
    from model_rows
    where key_value is not null
    group by key_value
    having count(*) > 1

),

checked_rows as (

    select
        key_value,
        cast(
            coalesce(case when key_value is null then 'not_null: key; ' end, '')
            {%- for column in not_null %}
            || coalesce(case when {{ column }} is null then 'not_null: {{ column }}; ' end, '')
            {%- endfor %}
            {%- for column, values in accepted_values.items() %}
            || coalesce(
                case
                    when {{ column }} not in (
                        {%- for value in values %}'{{ value }}'{{ ', ' if not loop.last }}{% endfor -%}
                    )
                        then 'accepted_values: {{ column }}='
                        || cast({{ column }} as {{ dbt.type_string() }}) || '; '
                end,
                ''
            )
            {%- endfor %}
            as {{ dbt.type_string() }}
        ) as broken_rules
    from model_rows

),

failures as (

    select * from checked_rows
    where broken_rules <> ''
    union all
    select * from duplicate_keys

)

select * from failures

{% endtest %}
