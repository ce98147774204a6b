{#
    The ledger's rows and billed amount by deal type, and the broker-months whose rows or
    billed amount moved: how many in all and the top N by absolute change. Both come from one
    grouping of each ledger by deal type, broker and month, joined and kept in a temporary
    table, so that each ledger is read once for the two. A null deal type, broker or month
    stands in as '(none)', -1 or 0001-01-01 so that it matches itself in the join; the
    broker comes back null.
#}
{% macro data_diff_ledger_totals(base, head, top) %}
    {% set groups %}
        with

        {% for side, relation in [('b', base), ('h', head)] -%}
        {{ side }} as (
            select
                coalesce(deal_type, '(none)') as deal_type,
                coalesce(mortgage_broker_id, -1) as broker_id,
                coalesce(
                    cast({{ dbt.date_trunc('month', 'event_at') }} as date),
                    cast('0001-01-01' as date)
                ) as month_start,
                count(*) as row_count,
                sum(billed_amount) as billed
            from {{ relation }}
            group by 1, 2, 3
        ),

        {% endfor -%}
        final as (
            select
                coalesce(b.deal_type, h.deal_type) as deal_type,
                coalesce(b.broker_id, h.broker_id) as broker_id,
                coalesce(b.month_start, h.month_start) as month_start,
                coalesce(b.row_count, 0) as base_rows,
                coalesce(h.row_count, 0) as head_rows,
                coalesce(b.billed, 0) as base_billed,
                coalesce(h.billed, 0) as head_billed
            from b
            full outer join h
                on
                    b.deal_type = h.deal_type
                    and b.broker_id = h.broker_id
                    and b.month_start = h.month_start
        )

        select * from final
    {% endset %}
    {% do run_query('drop table if exists data_diff_groups') %}
    {% do run_query('create temporary table data_diff_groups as ' ~ groups) %}
    {% set deal_types = data_diff_records(
        'select deal_type,'
        ~ ' cast(sum(base_rows) as ' ~ dbt.type_bigint() ~ ') as base_rows,'
        ~ ' cast(sum(head_rows) as ' ~ dbt.type_bigint() ~ ') as head_rows,'
        ~ ' sum(base_billed) as base_billed, sum(head_billed) as head_billed'
        ~ ' from data_diff_groups group by deal_type order by deal_type'
    ) %}
    {% set moved %}
        with

        by_broker_month as (
            select
                broker_id,
                month_start,
                cast(sum(base_rows) as {{ dbt.type_bigint() }}) as base_rows,
                cast(sum(head_rows) as {{ dbt.type_bigint() }}) as head_rows,
                sum(base_billed) as base_billed,
                sum(head_billed) as head_billed
            from data_diff_groups
            group by broker_id, month_start
        ),

        moved as (
            select *
            from by_broker_month
            where base_billed <> head_billed or base_rows <> head_rows
        )

        select
            case when broker_id = -1 then null else broker_id end as mortgage_broker_id,
            month_start,
            base_rows,
            head_rows,
            base_billed,
            head_billed,
            cast(count(*) over () as {{ dbt.type_bigint() }}) as moved_count
        from moved
        order by abs(head_billed - base_billed) desc, broker_id, month_start
        limit {{ top }}
    {% endset %}
    {% set broker_months = data_diff_records(moved) %}
    {% do run_query('drop table data_diff_groups') %}
    {{ return({
        'deal_types': deal_types,
        'broker_months': broker_months,
        'broker_months_moved': broker_months[0].moved_count if broker_months else 0,
    }) }}
{% endmacro %}
