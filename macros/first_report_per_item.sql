{#
    The first report of a given status on each item (spec 3.3, 3.5): a report no earlier
    report of the same item and buyer precedes. Written as an anti-join, not a window: the
    report's instant stays a plain column, so a date filter on the ledger passes into the
    scan of `reports`, and the buyer, matched on both sides, lets a broker filter reach both.
    (A grouping with `having reported_at = min(...)` filters as well, but PostgreSQL
    estimates its result at one row and then nests loops over tens of thousands.) `distinct`
    collapses exact duplicate reports, and two reports at the same first instant. `reports`
    and `other_reports` are two import CTEs of the same dispositions: a CTE read twice is
    computed whole by DuckDB and PostgreSQL before any filter reaches it.
#}
{% macro first_report_per_item(reports, other_reports, item_column, status) -%}
    select distinct
        this_report.{{ item_column }},
        this_report.mortgage_broker_id,
        this_report.reported_at
    from {{ reports }} as this_report
    where
        this_report.{{ item_column }} is not null
        and this_report.disposition_status = '{{ status }}'
        and not exists (
            select 1
            from {{ other_reports }} as earlier_report
            where
                earlier_report.{{ item_column }} = this_report.{{ item_column }}
                and earlier_report.mortgage_broker_id = this_report.mortgage_broker_id
                and earlier_report.disposition_status = '{{ status }}'
                and earlier_report.reported_at < this_report.reported_at
        )
{%- endmacro %}
