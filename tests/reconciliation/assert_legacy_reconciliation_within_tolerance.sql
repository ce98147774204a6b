{#
    The cutover gate: the parallel run may differ from the legacy job only where the
    difference is explained. Returns each day, broker and lead type whose unexplained
    differences add up, as absolute amounts, to more than
    var('legacy_reconciliation_tolerance') dollars, with the classes of rows behind it.
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
        unexplained_absolute_difference,
        unexplained_difference,
        unexplained_row_count,
        missing_in_legacy_count,
        missing_in_new_count,
        price_differs_count,
        discount_differs_count,
        details_differ_count,
        duplicate_in_legacy_count,
        legacy_billed_amount,
        new_billed_amount,
        cast(
            '{{ tolerance }}'
            as {{ money_total_type() }}
        ) as tolerance
    from daily
    where
        unexplained_absolute_difference > cast(
            '{{ tolerance }}'
            as {{ money_total_type() }}
        )

)

select * from final
