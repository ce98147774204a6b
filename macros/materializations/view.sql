{#
    The project's view materialization, on every engine. dbt's own renames the live view
    away, creates the new one and drops the old one with CASCADE, so analysts querying a
    mart during the nightly build saw "relation does not exist", readers deadlocked with
    the build, and a build that stopped half-way left dependents dropped. Here a view is
    never dropped while it can be read:

    - unchanged definition: left alone, no DDL and no lock;
    - changed, same leading columns: replaced in place (`create or replace view`);
    - changed columns that `create or replace` refuses: swapped within one transaction
      (PostgreSQL retires the old view, see ledger_replace_view_postgres.sql; Redshift's
      late-binding views have no dependents, DuckDB replaces in place).

    Each engine's steps live in ledger_replace_view_<engine>.sql; the README's "Readers
    during the build" section explains the guarantees.
#}
{%- materialization view, adapter='postgres' -%}
    {{ return(ledger_view_materialization()) }}
{%- endmaterialization -%}

{%- materialization view, adapter='duckdb' -%}
    {{ return(ledger_view_materialization()) }}
{%- endmaterialization -%}

{%- materialization view, adapter='redshift' -%}
    {{ return(ledger_view_materialization()) }}
{%- endmaterialization -%}
