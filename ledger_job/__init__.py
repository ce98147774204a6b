"""The nightly job of the lead revenue ledger; imports nothing from `ledger_tools`."""
