{#
    Spec 3.3: a sale the broker reports `sold` converts once, at the first `sold` report, for
    the payout of the buyer's deal of that deal type active when the lead was sold (not when
    the report came in). A conversion with no active deal keeps a null deal_id, one with two
    comes out twice: the model's row rules fail on either and name the sale.
#}

with

lead_sales as (

    select * from {{ ref('int_lead_sales_enriched') }}

),

dispositions as (

    select * from {{ ref('int_dispositions_rolled_up') }}

),

broker_deals as (

    select * from {{ ref('stg_boberdoo__broker_deals') }}

),

converted_sales as (

    select
        lead_sales.*,
        dispositions.first_sold_reported_at as converted_at
    from lead_sales
    inner join dispositions
        on
            dispositions.item_type = 'lead_sale'
            and lead_sales.transaction_id = dispositions.item_id
    where dispositions.first_sold_reported_at is not null

),

with_deal as (

    select
        converted_sales.*,
        broker_deals.deal_id,
        broker_deals.payout_amount
    from converted_sales
    left join broker_deals
        on
            converted_sales.mortgage_broker_id = broker_deals.mortgage_broker_id
            and converted_sales.deal_type = broker_deals.deal_type
            and {{ interval_contains(
                'broker_deals.starts_at', 'broker_deals.ends_at', 'converted_sales.sold_at'
            ) }}

),

final as (

    select * from with_deal

)

select * from final
