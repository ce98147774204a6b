{#- A few ledger rows of each kind from data_diff_rows, by ledger_id and copy: added ones with
    the head's values, removed ones with the base's (the columns a reviewer reads first that
    both sides have), changed ones with each differing column's two values. -#}
{% macro data_diff_ledger_examples(common, limit) %}
    {% set shown = [
        'deal_type', 'event_type', 'source_id', 'mortgage_broker_id', 'event_at',
        'discount_amount', 'billed_amount',
    ] | select('in', common) | list %}
    {% set result = {'example_columns': shown} %}
    {% for kind, side in [('added', 'head'), ('removed', 'base')] %}
        {% set picked = [] %}
        {% for column in shown %}{% do picked.append(side ~ '__' ~ column ~ ' as ' ~ column) %}{% endfor %}
        {% do result.update({kind ~ '_examples': data_diff_records(
            'select diff_key as ledger_id, diff_copy as copy_number'
            ~ (', ' ~ picked | join(', ') if picked else '')
            ~ " from data_diff_rows where diff_kind = '" ~ kind ~ "'"
            ~ ' order by diff_key, diff_copy limit ' ~ limit
        )}) %}
    {% endfor %}
    {% set picked = [] %}
    {% for column in common %}
        {% do picked.append('changed__' ~ column ~ ', base__' ~ column ~ ', head__' ~ column) %}
    {% endfor %}
    {% set changed = [] %}
    {% if common %}
        {% for row in data_diff_records(
            'select diff_key as ledger_id, diff_copy as copy_number, ' ~ picked | join(', ')
            ~ " from data_diff_rows where diff_kind = 'changed'"
            ~ ' order by diff_key, diff_copy limit ' ~ limit
        ) %}
            {% set changes = [] %}
            {% for column in common if row['changed__' ~ column] %}
                {% do changes.append({
                    'column': column, 'base': row['base__' ~ column], 'head': row['head__' ~ column]
                }) %}
            {% endfor %}
            {% do changed.append({
                'ledger_id': row.ledger_id, 'copy_number': row.copy_number, 'changes': changes
            }) %}
        {% endfor %}
    {% endif %}
    {% do result.update({'changed_examples': changed}) %}
    {{ return(result) }}
{% endmacro %}
