{#
    The cutover gate: the parallel run may differ from the legacy job only where the
    difference is explained. Returns each day, broker and lead type with an unexplained row
    beyond money (a side missing, an extra legacy copy, another broker or delivery time),
    whatever its amounts, and each whose unexplained differences in money add up, as
    absolute amounts, to more than var('legacy_reconciliation_tolerance') dollars: the
    tolerance applies to money only. Each row names the classes of the rows behind it.
    Warns by default, so the nightly billing run goes on; finance sets the severity to
    `error` (var legacy_reconciliation_severity, or LEDGER_LEGACY_RECONCILIATION_SEVERITY)
    for the runs that decide the switch.
#}

{%- set tolerance = ledger_setting(
    'legacy_reconciliation_tolerance', 'LEDGER_LEGACY_RECONCILIATION_TOLERANCE'
) | trim %}

{{ config(
    severity=ledger_setting(
        'legacy_reconciliation_severity', 'LEDGER_LEGACY_RECONCILIATION_SEVERITY'
    ) | trim
) }}

with

daily as (

    select * from {{ ref('legacy_reconciliation_daily') }}

),

final as (

    select
        delivery_date,
        mortgage_broker_id,
        lead_type,
        case
            when beyond_money_row_count > 0
                then 'rows differ beyond money'
            else 'money above the tolerance'
        end as failed_because,
        unexplained_classes,
        unexplained_row_count,
        beyond_money_row_count,
        unexplained_absolute_difference,
        unexplained_difference,
        legacy_billed_amount,
        new_billed_amount,
        cast(
            '{{ tolerance }}'
            as {{ money_total_type() }}
        ) as tolerance
    from daily
    where
        beyond_money_row_count > 0
        or unexplained_absolute_difference > cast(
            '{{ tolerance }}'
            as {{ money_total_type() }}
        )

)

select * from final
