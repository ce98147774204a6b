{#- The diff's session as the job's: PostgreSQL without JIT, whose compiling of these one-off
    scans costs more than it saves (docs/engines.md, JIT). Nothing elsewhere. -#}
{% macro data_diff_session() %}
    {{ return(adapter.dispatch('data_diff_session')()) }}
{% endmacro %}

{% macro default__data_diff_session() %}
{% endmacro %}

{% macro postgres__data_diff_session() %}
    {% do run_query('set jit = off') %}
{% endmacro %}
