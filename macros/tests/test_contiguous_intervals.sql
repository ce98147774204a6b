{#
    A snapshot's validity windows must chain without gaps: every closed window ends exactly
    where the next version of the same key starts. A gap would leave deliveries unpriced.
#}
{% test contiguous_intervals(model, partition_by, start_column, end_column, open_end_value=none) %}

{%- set open_end_value = open_end_value or open_interval_end() %}

with

intervals as (

    {{ interval_rows(model, partition_by, start_column, end_column) }}

),

windows as (

    select
        *,
        lead(starts_at) over (
            partition by partition_value
            order by starts_at
        ) as next_starts_at
    from intervals

),

broken as (

    select *
    from windows
    where
        (next_starts_at is not null and ends_at <> next_starts_at)
        or (next_starts_at is null and ends_at <> {{ open_end_value }})

)

select * from broken

{% endtest %}
