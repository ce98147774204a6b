{# The price versions model and the test that its sources agree read the same three sources: their import CTEs, written once. #}
{% macro price_source_imports() -%}

snapshot_versions as (

    select * from {{ ref('stg_billing__product_price_versions') }}

),

price_history as (

    select * from {{ ref('stg_billing__product_price_history') }}

),

live_prices as (

    select * from {{ ref('stg_billing__product_prices') }}

)

{%- endmacro %}
