{#
    The instant a view is read, as a UTC timestamp without time zone like every timestamp of
    the project, whatever the session's time zone. For what is "current" in a mart (a
    broker's plan in force now), not for anything billed: billing is as of each event.
#}
{% macro utc_now() -%}
    {{ return(adapter.dispatch('utc_now')()) }}
{%- endmacro %}

{% macro default__utc_now() -%}
    cast({{ dbt.current_timestamp() }} at time zone 'UTC' as timestamp)
{%- endmacro %}

{#- Redshift: sysdate is UTC already, a timestamp without time zone. -#}
{% macro redshift__utc_now() -%}
    cast(sysdate as timestamp)
{%- endmacro %}
