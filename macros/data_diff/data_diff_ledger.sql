{#
    The ledger of two builds, row by row: lead_sales_ledger joined on ledger_id and copy
    number (data_diff_joined_sql) into a temporary table, read once for the counts, the
    columns that changed and a few example rows of each kind; then its totals
    (data_diff_ledger_totals) and ledger_balance_check side by side (data_diff_balance).
    A side without the ledger or the columns the report groups by, or whose billed amount is
    a float (inexact money), stops the diff, naming it.
#}
{% macro data_diff_ledger(base, head, top, examples) %}
    {% set required = ['ledger_id', 'deal_type', 'mortgage_broker_id', 'event_at', 'billed_amount'] %}
    {% set relations = [] %}
    {% set types = [] %}
    {% for side in [base, head] %}
        {% set relation = adapter.get_relation(side.database, side.schema, 'lead_sales_ledger') %}
        {% if relation is none %}
            {% do exceptions.raise_compiler_error(side.label ~ ': no ' ~ side.where ~ '.lead_sales_ledger') %}
        {% endif %}
        {% set columns = data_diff_columns(relation) %}
        {% set missing = required | reject('in', columns) | list %}
        {% if missing %}
            {% do exceptions.raise_compiler_error(
                side.label ~ ': ' ~ side.where ~ '.lead_sales_ledger lacks ' ~ missing | join(', ')
            ) %}
        {% endif %}
        {% if columns.billed_amount in ['double', 'double precision', 'real', 'float', 'float4', 'float8'] %}
            {% do exceptions.raise_compiler_error(
                side.label ~ ': ' ~ side.where ~ '.lead_sales_ledger billed_amount is '
                ~ columns.billed_amount ~ ': money must be numeric, a float is inexact'
            ) %}
        {% endif %}
        {% do relations.append(relation) %}
        {% do types.append(columns) %}
    {% endfor %}
    {% set base_types, head_types = types %}
    {% set common = base_types | reject('equalto', 'ledger_id') | select('in', head_types) | list %}
    {% do run_query('drop table if exists data_diff_rows') %}
    {% do run_query('create temporary table data_diff_rows as ' ~ data_diff_joined_sql(
        'ledger_id', relations[0], relations[1], common, base_types, head_types, common, true
    )) %}
    {% set counts = data_diff_records(data_diff_summary_sql('data_diff_rows', common, ['billed_amount']))[0] %}
    {% set columns = [] %}
    {% for column in common %}
        {% if base_types[column] != head_types[column] %}
            {% do columns.append({'column': column, 'rows': counts['changed__' ~ column],
                'note': 'type ' ~ base_types[column] ~ ' -> ' ~ head_types[column]}) %}
        {% elif counts['changed__' ~ column] %}
            {% do columns.append({'column': column, 'rows': counts['changed__' ~ column], 'note': ''}) %}
        {% endif %}
    {% endfor %}
    {% for column in base_types | reject('in', head_types) %}
        {% do columns.append({'column': column, 'rows': 0, 'note': 'only in base (removed by the head)'}) %}
    {% endfor %}
    {% for column in head_types | reject('in', base_types) %}
        {% do columns.append({'column': column, 'rows': 0, 'note': 'only in head (added by the head)'}) %}
    {% endfor %}
    {% set result = {'counts': counts, 'columns': columns} %}
    {% do result.update(data_diff_ledger_examples(common, examples)) %}
    {% do run_query('drop table data_diff_rows') %}
    {% do result.update(data_diff_ledger_totals(relations[0], relations[1], top)) %}
    {% do result.update({'balance': data_diff_balance(base, head)}) %}
    {{ return(result) }}
{% endmacro %}
