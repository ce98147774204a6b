{#
    A row-level rule that no built-in test states (exactly one of two keys set, a price version
    matched once). Returns the rows that break it, whole, so the build names them.
#}
{% test expression_is_true(model, expression, column_name=none) %}

select *
from {{ model }}
where not ({{ expression }})

{% endtest %}
