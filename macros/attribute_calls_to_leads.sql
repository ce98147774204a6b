{#
    Spec 3.4's attribution, shared by the call and its refund: among the candidate leads of
    each group of `key_columns` (a call and what the call fixes), the latest created, ties to
    the greatest lead_id, and how many distinct leads matched. One ordered window and one
    grouping, no window per figure: the lead count is the number of lead_id changes along
    the same order, in which exact duplicate lead rows sit side by side and count once.
    Every key column is a grouping key; `partition_columns` (the call and what analysts
    filter it by) partition the window, so a filter on them passes below both, while the
    window sorts by no more than it must. `carried_columns` are taken with max() instead of
    grouped by: columns that follow from the keys (a call's campaign, phone and duration, a
    term's payout), which a grouping would only hash again for every candidate row; a
    conflicting duplicate call, the one case where they differ, fails the staging unique
    test by name. `candidates` has the key and carried columns and lead_id, lead_type and
    lead_created_at (null when the call matched no lead).
#}
{% macro attribute_calls_to_leads(candidates, key_columns, partition_columns, carried_columns=[]) -%}
    {%- set keys = key_columns | join(', ') -%}
    {%- set partition = partition_columns | join(', ') -%}
    select
        {{ keys }},
        {%- for column in carried_columns %}
        max({{ column }}) as {{ column }},
        {%- endfor %}
        max(case when lead_rank = 1 then lead_id end) as lead_id,
        max(case when lead_rank = 1 then lead_type end) as lead_type,
        cast(
            sum(
                case
                    when lead_id is null then 0
                    when previous_lead_id is null or previous_lead_id <> lead_id then 1
                    else 0
                end
            )
            as integer
        ) as matched_lead_count
    from (
        select
            *,
            row_number() over (
                partition by {{ partition }}
                order by lead_created_at desc, lead_id desc
            ) as lead_rank,
            lag(lead_id) over (
                partition by {{ partition }}
                order by lead_created_at desc, lead_id desc
            ) as previous_lead_id
        from {{ candidates }}
    ) as ranked_leads
    group by {{ keys }}
{%- endmacro %}
