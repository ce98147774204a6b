{#-
    A setting of the build: the environment variable when it is set, else the dbt var.
    The nightly job is configured through its environment and passes no --vars.
-#}
{% macro ledger_setting(var_name, env_name) %}
    {{ return(env_var(env_name, '') or var(var_name)) }}
{% endmacro %}
