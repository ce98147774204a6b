{{ stage_source('boberdoo', 'broker_deals', renames={
    'buyer_id': 'mortgage_broker_id',
}) }}
