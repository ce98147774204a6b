{#
    The totals the nightly job reports in its heartbeat, for `dbt run-operation ledger_totals`:
    row count and billed amount of lead_sales_ledger, entry count, debits and credits of
    ledger_entries. Two queries, one after the other, in one dbt invocation: one query over
    both views plans their chains side by side, which at a year of data spills on DuckDB
    under the memory cap (15 s against 8 s), and a second `dbt show` would cost another dbt
    start-up. Amounts travel as text so that nothing on the way rounds them.
#}
{% macro ledger_totals() %}
    {%- set ledger_sql -%}
        select
            count(*) as row_count,
            cast(coalesce(sum(billed_amount), 0) as {{ dbt.type_string() }}) as billed_amount
        from {{ ref('lead_sales_ledger') }}
    {%- endset -%}
    {%- set entries_sql -%}
        select
            count(*) as entry_count,
            cast(coalesce(sum(debit), 0) as {{ dbt.type_string() }}) as total_debits,
            cast(coalesce(sum(credit), 0) as {{ dbt.type_string() }}) as total_credits
        from {{ ref('ledger_entries') }}
    {%- endset -%}
    {%- set totals = {} -%}
    {%- for sql in [ledger_sql, entries_sql] -%}
        {%- set table = run_query(sql) -%}
        {%- for column in table.column_names -%}
            {%- do totals.update({column | lower: table.rows[0][column] | string}) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ log('ledger_totals ' ~ tojson(totals), info=True) }}
{% endmacro %}
