"""Schema `billing`, cutover: the table the legacy cron job appended priced deliveries to."""

from __future__ import annotations

import numpy as np

from ledger_ops.demo.billing import Plans
from ledger_ops.demo.common import Rng, Table, timestamps
from ledger_ops.demo.tables import column_names


def legacy_ledger(rng: Rng, deliveries: dict[str, Table], plans: Plans) -> Table:
    """billing.legacy_lead_sales_ledger: none yet."""
    del rng, deliveries, plans
    empty = np.array([], dtype=np.int64)
    columns: Table = {}
    for name in column_names("billing", "legacy_lead_sales_ledger"):
        if name in ("delivered_at", "processed_at"):
            columns[name] = timestamps(empty)
        elif name == "lead_type":
            columns[name] = np.array([], dtype=object)
        else:
            columns[name] = empty
    return columns
