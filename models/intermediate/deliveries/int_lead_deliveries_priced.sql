{#
    Spec 3.1: each delivery is priced as of its delivery instant. The price version and the
    broker's plan are both matched on half-open intervals, so a delivery at the exact instant
    of a change takes the new terms. A delivery with no price version keeps a null
    price_version_id, one with two comes out twice: the model's row rules fail on either and
    name the delivery. (Counting versions per delivery in a window would cost every read a
    sort of all deliveries.)
#}

with

deliveries as (

    select * from {{ ref('int_lead_deliveries_unioned') }}

),

products as (

    select * from {{ ref('stg_billing__products') }}

),

price_versions as (

    select * from {{ ref('int_product_price_versions_combined') }}

),

subscription_plans as (

    select * from {{ ref('stg_billing__subscription_plans') }}

),

with_price as (

    select
        deliveries.*,
        price_versions.price_version_id,
        price_versions.price as msrp
    from deliveries
    left join products
        on deliveries.product_code = products.product_code
    left join price_versions
        on
            products.product_id = price_versions.product_id
            and {{ interval_contains(
                'price_versions.valid_from', 'price_versions.valid_to', 'deliveries.delivered_at'
            ) }}

),

with_plan as (

    select
        with_price.*,
        subscription_plans.subscription_plan_id,
        coalesce(subscription_plans.discount_percent, 0) as discount_percent
    from with_price
    left join subscription_plans
        on
            with_price.mortgage_broker_id = subscription_plans.mortgage_broker_id
            and {{ interval_contains(
                'subscription_plans.starts_at', 'subscription_plans.ends_at', 'with_price.delivered_at'
            ) }}

),

discounted as (

    select
        *,
        {{ round_money('msrp * discount_percent * 0.01') }} as discount_amount
    from with_plan

),

final as (

    select
        delivery_id,
        lead_type,
        lead_id,
        filter_id,
        mortgage_broker_id,
        delivered_at,
        product_code,
        price_version_id,
        subscription_plan_id,
        cast(msrp as numeric(12, 2)) as msrp,
        cast(discount_percent as numeric(5, 2)) as discount_percent,
        discount_amount,
        cast(msrp - discount_amount as numeric(12, 2)) as billed_amount
    from discounted

)

select * from final
