"""Generators behind `ledger_ops.demo_data`, one module per raw source."""
