{#
    Plain deliveries as ledger rows (spec 3.1). source_id + lead_type identify the delivery,
    since delivery ids repeat across the four delivery tables.
#}

with

priced_deliveries as (

    select * from {{ ref('int_lead_deliveries_priced') }}

),

final as (

    select
        {{ ledger_row_columns(
            ledger_id="'lead_delivery:' || lead_type || ':' || cast(delivery_id as " ~ dbt.type_string() ~ ")",
            deal_type="'plain'",
            event_type="'lead_delivery'",
            source_id='delivery_id',
            lead_type='lead_type',
            lead_id='lead_id',
            mortgage_broker_id='mortgage_broker_id',
            event_at='delivered_at',
            product_code='product_code',
            msrp='msrp',
            discount_percent='discount_percent',
            discount_amount='discount_amount',
            billed_amount='billed_amount',
        ) }}
    from priced_deliveries

)

select * from final
