{#
    The pull request data diff, run on the engine: `dbt run-operation data_diff`. Why a
    macro: the comparison is SQL (group-bys and full outer joins), so it is written once for
    DuckDB, PostgreSQL and Redshift, and only results with named fields leave the engine, as
    one line on stdout, `data_diff: <json>`, that ledger_tools/data_diff.py renders.

    Two builds are two schema prefixes (LEDGER_SCHEMA) of one database, and on DuckDB also
    two files, attached read-only to the session (run it on an in-memory DuckDB).
#}
{% macro data_diff(
    base_prefix, head_prefix, base_file=none, head_file=none, base_label='base',
    head_label='head', top=10, examples=5, marts=true
) %}
    {% if not execute %}{{ return('') }}{% endif %}
    {% do data_diff_session() %}
    {% set databases = data_diff_attach(base_file, head_file) %}
    {% set sides = [] %}
    {% for label, prefix, database in [
        (base_label, base_prefix, databases[0]), (head_label, head_prefix, databases[1])
    ] %}
        {% do sides.append({
            'label': label,
            'database': database,
            'schema': prefix ~ '_marts',
            'where': (database ~ '.' if base_file is not none else '') ~ prefix ~ '_marts',
        }) %}
    {% endfor %}
    {% set result = {
        'ledger': data_diff_ledger(sides[0], sides[1], top | int, examples | int),
        'marts': data_diff_marts(sides[0], sides[1]) if marts else [],
    } %}
    {{ print('data_diff: ' ~ tojson(result)) }}
{% endmacro %}
