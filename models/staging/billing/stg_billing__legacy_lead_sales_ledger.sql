{#
    The legacy job's ledger (spec 2, cutover), for the parallel-run reconciliation. Renamed
    and cast only: a delivery the legacy job recorded twice must stay twice, it is one of
    the differences the reconciliation reports. The table is optional: without it the
    model is empty and every delivery of the new ledger counts as not yet seen by it.
#}

with

source as (

    select * from {{ optional_source('billing', 'legacy_lead_sales_ledger') }}

),

renamed as (

    select
        cast(id as bigint) as legacy_row_id,
        cast(lead_type as {{ dbt.type_string() }}) as lead_type,
        cast(delivery_id as bigint) as delivery_id,
        cast(mortgage_broker_id as bigint) as mortgage_broker_id,
        cast(delivered_at as timestamp) as delivered_at,
        cast(msrp as numeric(12, 2)) as msrp,
        cast(discount_percent as numeric(5, 2)) as discount_percent,
        cast(discount_amount as numeric(12, 2)) as discount_amount,
        cast(billed_amount as numeric(12, 2)) as billed_amount,
        cast(processed_at as timestamp) as processed_at
    from source

),

final as (

    select * from renamed

)

select * from final
