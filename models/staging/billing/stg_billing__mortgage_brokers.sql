{{ stage_source('billing', 'mortgage_broker', renames={
    'id': 'mortgage_broker_id',
    'name': 'broker_name',
}) }}
