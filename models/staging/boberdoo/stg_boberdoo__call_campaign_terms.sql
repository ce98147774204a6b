{#- campaign_term_id names one term of a campaign: its id and the start of the term. -#}
{% call stage_source('boberdoo', 'call_campaigns', renames={
    'buyer_id': 'mortgage_broker_id',
}) %}
    campaign_id || '@' || cast(starts_at as {{ dbt.type_string() }}) as campaign_term_id
{% endcall %}
