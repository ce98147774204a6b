{#
    The parallel run down to the rows: one row per legacy row and per plain delivery of the
    new ledger, both sides' amounts, the class of the difference and whether it is explained.
#}

with

compared_rows as (

    select * from {{ ref('int_legacy_ledger_rows_compared') }}

),

final as (

    select
        compared_row_id,
        cast(delivered_at as date) as delivery_date,
        mortgage_broker_id,
        lead_type,
        delivery_id,
        difference_class,
        is_explained,
        explanation,
        differs_beyond_money,
        legacy_billed_amount,
        new_billed_amount,
        billed_difference,
        unexplained_difference,
        legacy_msrp,
        new_msrp,
        legacy_discount_percent,
        new_discount_percent,
        legacy_discount_amount,
        new_discount_amount,
        legacy_mortgage_broker_id,
        new_mortgage_broker_id,
        legacy_delivered_at,
        new_delivered_at,
        legacy_processed_at,
        legacy_row_id,
        legacy_copy_number,
        legacy_copy_count,
        ledger_id
    from compared_rows

)

select * from final
