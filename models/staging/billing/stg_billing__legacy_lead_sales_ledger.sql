{#
    The legacy job's ledger (spec 2, cutover), for the parallel-run reconciliation. Renamed
    and cast only: a delivery the legacy job recorded twice must stay twice, it is one of
    the differences the reconciliation reports. The table is optional: without it the
    model is empty and every delivery of the new ledger counts as not yet seen by it.
#}

{{ stage_source('billing', 'legacy_lead_sales_ledger', renames={
    'id': 'legacy_row_id',
}, distinct=false, optional=true) }}
