{{ stage_lead_delivery(
    table_name='mortgage_broker_filter_to_mortgage_lead',
    filter_column='mortgage_broker_filter_id',
    lead_column='mortgage_lead_id',
    lead_type='professional',
    product_code='professional_lead',
) }}
