{#
    The first report of a given status on each item (spec 3.3, 3.5): a report no earlier
    report of the same item and buyer precedes. An anti-join, written as a left join kept
    where nothing matched (DuckDB carries a broker filter across its keys, not into a `not
    exists`), rather than a window: the report's instant stays a plain column, so a date
    filter on the ledger passes into the scan of the reports, and the buyer, matched on both
    sides, lets a broker filter reach both. (A grouping with `having reported_at = min(...)`
    filters as well, but PostgreSQL estimates its result at one row and then nests loops
    over tens of thousands.) `distinct` collapses exact duplicate reports, and two reports at
    the same first instant. The dispositions are read here, twice, by ref and not through an
    import CTE of the caller: a CTE read twice is computed whole by DuckDB and PostgreSQL
    before any filter reaches it, so each caller would need two import CTEs of one table.
#}
{% macro first_report_per_item(item_column, status) -%}
    select distinct
        this_report.{{ item_column }},
        this_report.mortgage_broker_id,
        this_report.reported_at
    from {{ ref('stg_boberdoo__dispositions') }} as this_report
    left join {{ ref('stg_boberdoo__dispositions') }} as earlier_report
        on
            this_report.{{ item_column }} = earlier_report.{{ item_column }}
            and this_report.mortgage_broker_id = earlier_report.mortgage_broker_id
            and earlier_report.disposition_status = '{{ status }}'
            and earlier_report.reported_at < this_report.reported_at
    where
        this_report.{{ item_column }} is not null
        and this_report.disposition_status = '{{ status }}'
        and earlier_report.{{ item_column }} is null
{%- endmacro %}
