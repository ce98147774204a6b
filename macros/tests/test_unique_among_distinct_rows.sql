{#
    The big landing tables (leads, lead sales, dispositions, calls) are staged without
    `select distinct`: a distinct view cannot be probed by key, so every read joining it would
    hash the whole table. Exact duplicate rows (a re-landed batch) are collapsed where the
    rows are used, at the item's grain; a key with two different rows is still a data error.
    This is dbt's `unique`, counted over distinct rows, with the same failure columns.
#}
{% test unique_among_distinct_rows(model, column_name) %}

with

distinct_rows as (

    select distinct * from {{ model }}

),

duplicate_keys as (

    select
        {{ column_name }} as unique_field,
        count(*) as n_records
    from distinct_rows
    where {{ column_name }} is not null
    group by {{ column_name }}
    having count(*) > 1

)

select * from duplicate_keys

{% endtest %}
