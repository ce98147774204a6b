{#
    dbt's accepted_values keeps only the unexpected value and how often it occurs, which does
    not say which row carries it. This one returns the offending rows whole, keys included,
    so the printout after the build names them. Nulls are left to not_null.
#}
{% test accepted_values_rows(model, column_name, values, quote=true) %}

select *
from {{ model }}
where
    {{ column_name }} is not null
    and {{ column_name }} not in (
        {%- for value in values %}
            {{ "'" ~ value ~ "'" if quote else value }}{{ "," if not loop.last }}
        {%- endfor %}
    )

{% endtest %}
