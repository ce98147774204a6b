{#
    The parallel run by delivery day, broker and lead type: what each system billed, the
    difference, the rows of each class and the part of the difference nothing explains. A
    row counts under the new ledger's day and broker where it has them, else the legacy's.
    Counts are bigint on every engine (DuckDB sums integers to a hugeint).
    unexplained_classes names the classes of the unexplained rows, with their counts, in
    one text (no string_agg: one count per class that can be unexplained, concatenated).
#}

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
        cast(sum(case when difference_class = 'matched' then 1 else 0 end) as bigint) as matched_count,
        cast(sum(case when difference_class = 'missing_in_legacy' then 1 else 0 end) as bigint)
            as missing_in_legacy_count,
        cast(sum(case when difference_class = 'missing_in_new' then 1 else 0 end) as bigint)
            as missing_in_new_count,
        cast(sum(case when difference_class = 'price_differs' then 1 else 0 end) as bigint)
            as price_differs_count,
        cast(sum(case when difference_class = 'discount_differs' then 1 else 0 end) as bigint)
            as discount_differs_count,
        cast(sum(case when difference_class = 'details_differ' then 1 else 0 end) as bigint)
            as details_differ_count,
        cast(sum(case when difference_class = 'outside_legacy_window' then 1 else 0 end) as bigint)
            as outside_legacy_window_count,
        cast(sum(case when difference_class = 'duplicate_in_legacy' then 1 else 0 end) as bigint)
            as duplicate_in_legacy_count,
        cast(sum(case when is_explained then 0 else 1 end) as bigint) as unexplained_row_count,
        cast(sum(case when differs_beyond_money then 1 else 0 end) as bigint)
            as beyond_money_row_count,
        cast(sum(
            case when difference_class = 'missing_in_legacy' and not is_explained then 1 else 0 end
        ) as bigint) as unexplained_missing_in_legacy_count,
        cast(sum(
            case when difference_class = 'missing_in_new' and not is_explained then 1 else 0 end
        ) as bigint) as unexplained_missing_in_new_count,
        cast(sum(
            case when difference_class = 'price_differs' and not is_explained then 1 else 0 end
        ) as bigint) as unexplained_price_differs_count,
        cast(sum(
            case when difference_class = 'discount_differs' and not is_explained then 1 else 0 end
        ) as bigint) as unexplained_discount_differs_count,
        cast(sum(
            case when difference_class = 'details_differ' and not is_explained then 1 else 0 end
        ) as bigint) as unexplained_details_differ_count,
        cast(sum(
            case when difference_class = 'duplicate_in_legacy' and not is_explained then 1 else 0 end
        ) as bigint) as unexplained_duplicate_in_legacy_count
    from compared_rows
    group by
        cast(delivered_at as date),
        mortgage_broker_id,
        lead_type

),

named as (

    select
        *,
        case
            when unexplained_missing_in_legacy_count > 0
                then
                    ', missing_in_legacy '
                    || cast(unexplained_missing_in_legacy_count as {{ dbt.type_string() }})
            else ''
        end as missing_in_legacy_text,
        case
            when unexplained_missing_in_new_count > 0
                then
                    ', missing_in_new '
                    || cast(unexplained_missing_in_new_count as {{ dbt.type_string() }})
            else ''
        end as missing_in_new_text,
        case
            when unexplained_price_differs_count > 0
                then
                    ', price_differs '
                    || cast(unexplained_price_differs_count as {{ dbt.type_string() }})
            else ''
        end as price_differs_text,
        case
            when unexplained_discount_differs_count > 0
                then
                    ', discount_differs '
                    || cast(unexplained_discount_differs_count as {{ dbt.type_string() }})
            else ''
        end as discount_differs_text,
        case
            when unexplained_details_differ_count > 0
                then
                    ', details_differ '
                    || cast(unexplained_details_differ_count as {{ dbt.type_string() }})
            else ''
        end as details_differ_text,
        case
            when unexplained_duplicate_in_legacy_count > 0
                then
                    ', duplicate_in_legacy '
                    || cast(unexplained_duplicate_in_legacy_count as {{ dbt.type_string() }})
            else ''
        end as duplicate_in_legacy_text
    from daily

),

-- ', details_differ 1, missing_in_new 2' without its leading separator.
classes_named as (

    select
        *,
        nullif(
            ltrim(
                missing_in_legacy_text || missing_in_new_text || price_differs_text
                || discount_differs_text || details_differ_text || duplicate_in_legacy_text,
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
