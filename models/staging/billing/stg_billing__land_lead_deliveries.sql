{{ stage_lead_delivery(
    table_name='land_lead_filter_to_land_lead',
    filter_column='land_lead_filter_id',
    lead_column='land_lead_id',
    lead_type='land',
    product_code='land_lead',
) }}
