{#
    No ledger row without a source row: every row points at the delivery, sale or call it was
    recognized from. Returns the orphans.
#}

with

ledger_rows as (

    select * from {{ ref('int_ledger_rows_unioned') }}

),

deliveries as (

    select * from {{ ref('int_lead_deliveries_unioned') }}

),

lead_sales as (

    select * from {{ ref('stg_boberdoo__lead_sales') }}

),

calls as (

    select * from {{ ref('stg_invoca__calls') }}

),

source_keys as (

    select
        'plain' as key_kind,
        lead_type || ':' || cast(delivery_id as {{ dbt.type_string() }}) as source_key
    from deliveries
    union all
    select
        'sale' as key_kind,
        transaction_id as source_key
    from lead_sales
    union all
    select
        'call' as key_kind,
        call_id as source_key
    from calls

),

ledger_keys as (

    select
        ledger_id,
        case
            when deal_type = 'plain' then 'plain'
            when deal_type = 'cbm_call' then 'call'
            else 'sale'
        end as key_kind,
        case
            when deal_type = 'plain' then lead_type || ':' || source_id
            else source_id
        end as source_key
    from ledger_rows

),

orphans as (

    select ledger_keys.*
    from ledger_keys
    left join source_keys
        on
            ledger_keys.key_kind = source_keys.key_kind
            and ledger_keys.source_key = source_keys.source_key
    where source_keys.source_key is null

)

select * from orphans
