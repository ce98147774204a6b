{#
    Half-open validity intervals must not overlap within a partition: a broker has at most one
    plan, a buyer one deal per deal type, a campaign one set of terms at any instant. Returns
    both rows of every overlapping pair, so the failure names them.
#}
{% test no_overlapping_intervals(model, partition_by, key_column, start_column, end_column) %}

with

intervals as (

    select
        {{ partition_by }} as partition_value,
        {{ key_column }} as key_value,
        {{ start_column }} as starts_at,
        {{ end_column }} as ends_at
    from {{ model }}

),

overlapping_pairs as (

    select
        earlier.partition_value,
        earlier.key_value as key_value,
        later.key_value as overlapping_key_value,
        earlier.starts_at,
        earlier.ends_at,
        later.starts_at as overlapping_starts_at,
        later.ends_at as overlapping_ends_at
    from intervals as earlier
    inner join intervals as later
        on
            earlier.partition_value = later.partition_value
            and earlier.key_value <> later.key_value
            and earlier.starts_at <= later.starts_at
            and (earlier.ends_at is null or later.starts_at < earlier.ends_at)

)

select * from overlapping_pairs

{% endtest %}
