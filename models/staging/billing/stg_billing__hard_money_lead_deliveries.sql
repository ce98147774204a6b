{{ stage_lead_delivery(
    table_name='hard_money_lead_filter_to_hard_money_lead',
    filter_column='hard_money_lead_filter_id',
    lead_column='hard_money_lead_id',
    lead_type='hard_money',
    product_code='hard_money_lead',
) }}
