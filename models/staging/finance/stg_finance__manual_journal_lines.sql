{#- journal_line_id names one line: its journal and its line number. -#}
{% call stage_source('finance', 'manual_journal_lines') %}
    journal_id || ':' || cast(line_number as {{ dbt.type_string() }}) as journal_line_id
{% endcall %}
