{#
    The parallel run by delivery day, broker and lead type: what each system billed, the
    difference, the rows of each class and the part of the difference nothing explains. A
    row counts under the new ledger's day and broker where it has them, else the legacy's.
    Counts are bigint on every engine (DuckDB sums integers to a hugeint).
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
        cast(sum(case when is_explained then 0 else 1 end) as bigint) as unexplained_row_count
    from compared_rows
    group by
        cast(delivered_at as date),
        mortgage_broker_id,
        lead_type

),

final as (

    select * from daily

)

select * from final
