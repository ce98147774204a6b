{#
    The parallel run by delivery day, broker and lead type: what each system billed, the
    difference, the rows of each class and the part of the difference nothing explains. A
    row counts under the new ledger's day and broker where it has them, else the legacy's.
    Counts are bigint on every engine (DuckDB sums integers to a hugeint).
    unexplained_classes names the classes of the unexplained rows, with their counts, in
    one text: one count per class that can be unexplained, concatenated (Redshift has no
    portable aggregate that joins strings).
#}

{#- The classes a row can have; all but matched and outside_legacy_window can be unexplained. -#}
{%- set unexplainable_classes = [
    'missing_in_legacy', 'missing_in_new', 'price_differs', 'discount_differs',
    'details_differ', 'duplicate_in_legacy',
] -%}
{%- set all_classes = ['matched', 'outside_legacy_window'] + unexplainable_classes -%}

with

compared_rows as (

    select * from {{ ref('int_legacy_ledger_rows_compared') }}

),

daily as (

    select
        cast(delivered_at as date) as delivery_date,
        mortgage_broker_id,
        lead_type,
        cast(coalesce(sum(legacy_billed_amount), 0) as {{ money_total_type() }})
            as legacy_billed_amount,
        cast(coalesce(sum(new_billed_amount), 0) as {{ money_total_type() }})
            as new_billed_amount,
        cast(sum(billed_difference) as {{ money_total_type() }}) as billed_difference,
        cast(sum(unexplained_difference) as {{ money_total_type() }}) as unexplained_difference,
        -- Differences of opposite sign must not cancel out in the gate.
        cast(
            sum(
                case
                    when unexplained_difference < 0 then -unexplained_difference
                    else unexplained_difference
                end
            )
            as {{ money_total_type() }}
        ) as unexplained_absolute_difference,
        cast(count(*) as bigint) as compared_row_count,
        {%- for difference_class in all_classes %}
        cast(sum(case when difference_class = '{{ difference_class }}' then 1 else 0 end) as bigint)
            as {{ difference_class }}_count,
        {%- endfor %}
        {%- for difference_class in unexplainable_classes %}
        cast(sum(
            case when difference_class = '{{ difference_class }}' and not is_explained then 1 else 0 end
        ) as bigint) as unexplained_{{ difference_class }}_count,
        {%- endfor %}
        cast(sum(case when is_explained then 0 else 1 end) as bigint) as unexplained_row_count,
        cast(sum(case when differs_beyond_money then 1 else 0 end) as bigint)
            as beyond_money_row_count
    from compared_rows
    group by
        cast(delivered_at as date),
        mortgage_broker_id,
        lead_type

),

named as (

    select
        {%- for difference_class in unexplainable_classes %}
        case
            when unexplained_{{ difference_class }}_count > 0
                then
                    ', {{ difference_class }} '
                    || cast(unexplained_{{ difference_class }}_count as {{ dbt.type_string() }})
            else ''
        end as {{ difference_class }}_text,
        {%- endfor %}
        daily.*
    from daily

),

-- ', details_differ 1, missing_in_new 2' without its leading separator.
classes_named as (

    select
        *,
        nullif(
            ltrim(
                ''
                {%- for difference_class in unexplainable_classes %}
                || {{ difference_class }}_text
                {%- endfor %},
                ', '
            ),
            ''
        ) as unexplained_classes
    from named

),

final as (

    select
        delivery_date,
        mortgage_broker_id,
        lead_type,
        legacy_billed_amount,
        new_billed_amount,
        billed_difference,
        unexplained_difference,
        unexplained_absolute_difference,
        compared_row_count,
        matched_count,
        missing_in_legacy_count,
        missing_in_new_count,
        price_differs_count,
        discount_differs_count,
        details_differ_count,
        outside_legacy_window_count,
        duplicate_in_legacy_count,
        unexplained_row_count,
        beyond_money_row_count,
        unexplained_classes
    from classes_named

)

select * from final
