{#
    PostgreSQL indexes on the raw tables, for `make pg-indexes` (dbt run-operation
    create_raw_indexes; drop=true removes them, so the benchmark can measure both ways).
    The views filter and join the raw tables on these columns; without an index every
    selective read scans whole tables. The EL tool owns the raw schemas, so the indexes are a
    command a DBA runs, idempotent, never part of the build. The list lives here only.

    `create index concurrently` never blocks the EL tool's writes, but PostgreSQL refuses it
    inside a transaction block, and psycopg2 (dbt-postgres) opens one implicitly: a `commit`
    ends it first, and psycopg2 then sends no new BEGIN before the next statement. An index
    a failed concurrent build left invalid is dropped and built again.
#}
{% macro create_raw_indexes(drop=false) %}
    {%- if target.type != 'postgres' -%}
        {{ exceptions.raise_compiler_error(
            'create_raw_indexes is for PostgreSQL; target ' ~ target.name ~ ' is '
            ~ target.type ~ ' (Redshift: see docs/speed.md for sort and dist keys)'
        ) }}
    {%- endif -%}
    {#- source name -> table -> indexed column lists, each in index order. -#}
    {%- set delivery = [['mortgage_broker_id', 'created_at'], ['created_at']] -%}
    {%- set wanted = {
        'billing': {
            'mortgage_broker_filter_to_mortgage_lead': delivery + [['mortgage_lead_id']],
            'construction_loan_lead_filter_to_construction_loan_lead':
                delivery + [['construction_loan_lead_id']],
            'hard_money_lead_filter_to_hard_money_lead': delivery + [['hard_money_lead_id']],
            'land_lead_filter_to_land_lead': delivery + [['land_lead_id']],
            'mortgage_broker_subscription_plan': [['mortgage_broker_id', 'starts_at']],
        },
        'boberdoo': {
            'leads': [['lead_id'], ['phone', 'created_at']],
            'lead_sales': [['transaction_id'], ['buyer_id', 'sold_at'], ['sold_at'], ['lead_id']],
            'dispositions': [
                ['transaction_id', 'buyer_id'], ['call_id', 'buyer_id'],
                ['buyer_id', 'reported_at'], ['reported_at'],
            ],
            'call_campaigns': [['buyer_id'], ['campaign_id', 'starts_at']],
            'broker_deals': [['buyer_id', 'deal_type', 'starts_at']],
        },
        'invoca': {
            'calls': [['call_id'], ['campaign_id', 'started_at'], ['started_at'], ['caller_phone']],
        },
        'finance': {
            'manual_journal_lines': [['entered_at']],
        },
    } -%}
    {%- set indexes = [] -%}
    {%- for source_name, tables in wanted.items() -%}
        {%- for table_name, column_lists in tables.items() -%}
            {%- set relation = builtins.source(source_name, table_name) -%}
            {%- for columns in column_lists -%}
                {%- set name = 'ledger_ix_' ~ table_name ~ '__' ~ columns | join('_') -%}
                {#- PostgreSQL cuts identifiers at 63 bytes: a hash keeps long names apart. -#}
                {%- if name | length > 63 -%}
                    {%- set name = name[:54] ~ '_' ~ local_md5(name)[:8] -%}
                {%- endif -%}
                {%- do indexes.append({
                    'schema': relation.schema, 'table': relation.identifier,
                    'name': name, 'columns': columns,
                }) -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endfor -%}

    {%- set pairs = [] -%}
    {%- for index in indexes -%}
        {%- do pairs.append("('" ~ index.schema ~ "', '" ~ index.table ~ "')") -%}
    {%- endfor -%}
    {%- set tables_found = run_query(
        "select n.nspname || '.' || c.relname from pg_class as c"
        ~ " join pg_namespace as n on n.oid = c.relnamespace"
        ~ " where c.relkind in ('r', 'p') and (n.nspname, c.relname) in ("
        ~ pairs | unique | join(', ') ~ ")"
    ).columns[0].values() -%}
    {%- for index in indexes -%}
        {%- if (index.schema ~ '.' ~ index.table) not in tables_found -%}
            {{ exceptions.raise_compiler_error(
                'create_raw_indexes: the raw table ' ~ index.schema ~ '.' ~ index.table
                ~ ' does not exist in database ' ~ target.dbname ~ '; check BILLING_DB_NAME '
                ~ 'and the raw schema names (LEDGER_<RAW>_SCHEMA or --vars billing_schema...)'
            ) }}
        {%- endif -%}
    {%- endfor -%}
    {%- set names = [] -%}
    {%- for index in indexes -%}
        {%- do names.append("('" ~ index.schema ~ "', '" ~ index.name ~ "')") -%}
    {%- endfor -%}
    {%- set existing = {} -%}
    {%- set found = run_query(
        "select n.nspname || '.' || c.relname as qualified, i.indisvalid as is_valid"
        ~ " from pg_class as c join pg_namespace as n on n.oid = c.relnamespace"
        ~ " join pg_index as i on i.indexrelid = c.oid"
        ~ " where (n.nspname, c.relname) in (" ~ names | join(', ') ~ ")"
    ) -%}
    {%- for row in found.rows -%}
        {%- do existing.update({row[0]: row[1]}) -%}
    {%- endfor -%}

    {%- set counts = {'created': 0, 'existed': 0, 'rebuilt': 0, 'dropped': 0, 'absent': 0} -%}
    {%- for index in indexes -%}
        {%- set qualified = index.schema ~ '.' ~ index.name -%}
        {%- set drop_sql = 'drop index concurrently if exists ' ~ qualified -%}
        {%- set create_sql = 'create index concurrently if not exists ' ~ index.name ~ ' on '
            ~ index.schema ~ '.' ~ index.table ~ ' (' ~ index.columns | join(', ') ~ ')' -%}
        {%- set is_valid = existing.get(qualified) -%}
        {%- if drop -%}
            {%- if is_valid is none -%}
                {%- do counts.update({'absent': counts.absent + 1}) -%}
                {{ log('absent:  ' ~ qualified, info=True) }}
            {%- else -%}
                {{ log('running: ' ~ drop_sql, info=True) }}
                {%- do run_query('commit') -%}
                {%- do run_query(drop_sql) -%}
                {%- do counts.update({'dropped': counts.dropped + 1}) -%}
                {{ log('dropped: ' ~ qualified, info=True) }}
            {%- endif -%}
        {%- elif is_valid -%}
            {%- do counts.update({'existed': counts.existed + 1}) -%}
            {{ log('exists:  ' ~ qualified ~ ' on ' ~ index.table ~ ' (' ~ index.columns | join(', ') ~ '), valid', info=True) }}
        {%- else -%}
            {%- if is_valid is not none -%}
                {#- Left invalid by an interrupted concurrent build: it serves no query. -#}
                {{ log('invalid: ' ~ qualified ~ ' (an interrupted build left it); running: ' ~ drop_sql, info=True) }}
                {%- do run_query('commit') -%}
                {%- do run_query(drop_sql) -%}
            {%- endif -%}
            {{ log('running: ' ~ create_sql, info=True) }}
            {%- do run_query('commit') -%}
            {%- do run_query(create_sql) -%}
            {%- set key = 'created' if is_valid is none else 'rebuilt' -%}
            {%- do counts.update({key: counts[key] + 1}) -%}
            {{ log(key ~ ': ' ~ qualified, info=True) }}
        {%- endif -%}
    {%- endfor -%}
    {%- if drop -%}
        {{ log('create_raw_indexes: ' ~ counts.dropped ~ ' dropped, ' ~ counts.absent ~ ' absent', info=True) }}
    {%- else -%}
        {{ log('create_raw_indexes: ' ~ counts.created ~ ' created, ' ~ counts.existed
            ~ ' already existed, ' ~ counts.rebuilt ~ ' rebuilt (of ' ~ indexes | length ~ ')', info=True) }}
    {%- endif -%}
{% endmacro %}
