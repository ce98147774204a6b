"""Tooling around the ledger: demo data, benchmark, test PostgreSQL, pull-request diff,
snapshot backup, price-history derivation and checks. It may import `ledger_job`."""
