{#
    A validity interval [start, end) must end after it starts (spec 2): one that ends before
    or when it starts covers nothing, so a plan, deal or set of terms keyed like that is a
    typing mistake. A null end means open. Returns the rows whole, so the build names them.
#}
{% test interval_ends_after_start(model, start_column, end_column) %}

select *
from {{ model }}
where
    {{ end_column }} is not null
    and {{ start_column }} is not null
    and {{ end_column }} <= {{ start_column }}

{% endtest %}
