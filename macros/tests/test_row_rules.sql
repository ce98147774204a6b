{#
    The row rules of one model checked in one query: its key (unique and not null), the
    columns that must not be null, and the columns with a fixed set of values. On a view,
    every separate test computes the view's whole chain again; at production volume a
    dozen column tests on the ledger cost minutes, this costs one read: one grouping by the
    key, in which a row's broken rules are spelled out only for a row that breaks one.
    Each offending key comes back once, with how many rows share it and the rules its row
    breaks (one row's, when several share the key), so the failure names it.
#}
{% test row_rules(model, key, not_null=[], accepted_values={}) %}

{%- set value_columns = (not_null + (accepted_values.keys() | list)) | unique | list %}
{#- Each rule once: the condition a row breaks it by, and what the failure says of it. #}
{%- set rules = [('key_value is null', "'not_null: key; '")] %}
{%- for column in not_null %}
    {%- do rules.append((column ~ ' is null', "'not_null: " ~ column ~ "; '")) %}
{%- endfor %}
{%- for column, values in accepted_values.items() %}
    {%- set listed = [] %}
    {%- for value in values %}{% do listed.append("'" ~ value ~ "'") %}{% endfor %}
    {%- do rules.append((
        column ~ ' not in (' ~ listed | join(', ') ~ ')',
        "'accepted_values: " ~ column ~ "=' || cast(" ~ column ~ ' as ' ~ dbt.type_string() ~ ") || '; '"
    )) %}
{%- endfor %}

with

model_rows as (

    select
        cast({{ key }} as {{ dbt.type_string() }}) as key_value
        {%- for column in value_columns %},
        {{ column }}
        {%- endfor %}
    from {{ model }}

),

keyed as (

    select
        key_value,
        count(*) as row_count,
        max(
            case
                when {{ rules | map('first') | join('\n                    or ') }}
                    then
                        {%- for condition, message in rules %}
                        {{ '|| ' if not loop.first }}coalesce(case when {{ condition }} then {{ message }} end, '')
                        {%- endfor %}
            end
        ) as row_rules
    from model_rows
    group by key_value

),

failures as (

    select
        key_value,
        cast(
            case
                when key_value is not null and row_count > 1
                    then
                        'unique: ' || cast(row_count as {{ dbt.type_string() }})
                        || ' rows share this key; '
                else ''
            end
            || coalesce(row_rules, '')
            as {{ dbt.type_string() }}
        ) as broken_rules
    from keyed
    where (key_value is not null and row_count > 1) or row_rules is not null

)

select * from failures

{% endtest %}
