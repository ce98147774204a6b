{{ stage_source('billing', 'mortgage_broker_subscription_plan', renames={
    'id': 'subscription_plan_id',
}) }}
