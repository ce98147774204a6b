{#
    `select * from` each model named, joined by `union all`: the body of a union model, whose
    list of models is then its one place to add a branch (a new revenue rule, a new delivery
    table). The branches share one column list (ledger_row_columns, stage_lead_delivery), so
    the planner pushes a reader's filter into every branch, as with the import CTEs this
    replaces.
#}
{% macro union_all_models(model_names) -%}
    {%- for model_name in model_names %}
    select * from {{ ref(model_name) }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}
