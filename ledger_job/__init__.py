"""The nightly job of the lead revenue ledger: dbt build, heartbeat, balance alert.

What on-call reads. It imports nothing from `ledger_tools` (python_tests/test_package_boundary.py).
"""
