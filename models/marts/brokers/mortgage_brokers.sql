{#
    Every mortgage broker with the subscription plan in force when the view is read (spec
    2: at most one at any instant) and the discount that plan gives, so no report needs the
    raw billing schema. A broker without a plan in force has null plan columns and a 0
    discount, as a delivery at that instant is billed (spec 3.1). A join on the broker, no
    window or grouping: one broker's read reaches the plans by its id.
#}

with

brokers as (

    select * from {{ ref('stg_billing__mortgage_brokers') }}

),

subscription_plans as (

    select * from {{ ref('stg_billing__subscription_plans') }}

),

final as (

    select
        brokers.mortgage_broker_id,
        brokers.broker_name,
        brokers.created_at,
        subscription_plans.subscription_plan_id as current_subscription_plan_id,
        subscription_plans.plan_name as current_plan_name,
        cast(coalesce(subscription_plans.discount_percent, 0) as numeric(5, 2))
            as current_discount_percent,
        subscription_plans.starts_at as current_plan_starts_at,
        subscription_plans.ends_at as current_plan_ends_at
    from brokers
    left join subscription_plans
        on
            brokers.mortgage_broker_id = subscription_plans.mortgage_broker_id
            and {{ interval_contains(
                'subscription_plans.starts_at', 'subscription_plans.ends_at', utc_now()
            ) }}

)

select * from final
