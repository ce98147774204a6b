"""Generators behind `ledger_tools.demo_data`, one module per raw source."""
