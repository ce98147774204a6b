{#
    dbt's relationships returns only the dangling value (a buyer id), not the row that holds
    it (the sale, deal or campaign). This one returns the child rows whole, keys included, so
    the printout names them. Parent keys are made distinct first: one hash join, linear.
#}
{% test relationships_rows(model, column_name, to, field) %}

with

child as (

    select * from {{ model }}
    where {{ column_name }} is not null

),

parent as (

    select distinct {{ field }} as parent_key
    from {{ to }}
    where {{ field }} is not null

),

orphans as (

    select child.*
    from child
    left join parent
        on child.{{ column_name }} = parent.parent_key
    where parent.parent_key is null

)

select * from orphans

{% endtest %}
