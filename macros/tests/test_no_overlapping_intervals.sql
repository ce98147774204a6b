{#
    Half-open validity intervals must not overlap within a partition: a broker has at most one
    plan, a buyer one deal per deal type, a campaign one set of terms at any instant. Returns
    every interval that starts before an earlier one of its partition ends, with that earlier
    interval, so the failure names both.
    Intervals are ordered once per partition and each compared with the latest end among
    those before it: comparing every pair instead grows with the square of the versions a
    key accumulates.
#}
{% test no_overlapping_intervals(model, partition_by, key_column, start_column, end_column) %}

with

intervals as (

    {{ interval_rows(model, partition_by, start_column, end_column, key_column) }}

),

with_earlier_end as (

    select
        *,
        max(ends_before) over (
            partition by partition_value
            order by starts_at, key_value
            rows between unbounded preceding and 1 preceding
        ) as earlier_ends_before
    from intervals

),

overlapping as (

    select * from with_earlier_end
    where starts_at < earlier_ends_before

),

overlapping_pairs as (

    select
        earlier.partition_value,
        earlier.key_value,
        overlapping.key_value as overlapping_key_value,
        earlier.starts_at,
        earlier.ends_at,
        overlapping.starts_at as overlapping_starts_at,
        overlapping.ends_at as overlapping_ends_at
    from overlapping
    inner join intervals as earlier
        on
            overlapping.partition_value = earlier.partition_value
            and overlapping.earlier_ends_before = earlier.ends_before
            and earlier.starts_at <= overlapping.starts_at
            and earlier.key_value <> overlapping.key_value

)

select * from overlapping_pairs

{% endtest %}
