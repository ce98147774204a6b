{{ stage_source('billing', 'product', renames={
    'id': 'product_id',
    'code': 'product_code',
}) }}
