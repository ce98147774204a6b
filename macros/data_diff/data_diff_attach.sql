{#- The databases (catalogs) of base and head. Two DuckDB files are attached read-only to the
    session first, the same file once (DuckDB refuses a file attached twice); one database
    otherwise, the builds told apart by their schema prefixes. -#}
{% macro data_diff_attach(base_file, head_file) %}
    {% if base_file is none %}{{ return([target.database, target.database]) }}{% endif %}
    {% do run_query("attach '" ~ base_file | replace("'", "''") ~ "' as diff_base (read_only)") %}
    {% if head_file == base_file %}{{ return(['diff_base', 'diff_base']) }}{% endif %}
    {% do run_query("attach '" ~ head_file | replace("'", "''") ~ "' as diff_head (read_only)") %}
    {{ return(['diff_base', 'diff_head']) }}
{% endmacro %}
