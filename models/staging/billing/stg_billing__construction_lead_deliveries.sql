{{ stage_lead_delivery(
    table_name='construction_loan_lead_filter_to_construction_loan_lead',
    filter_column='construction_loan_lead_filter_id',
    lead_column='construction_loan_lead_id',
    lead_type='construction',
    product_code='construction_loan_lead',
) }}
