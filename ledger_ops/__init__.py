"""Operations around the lead revenue ledger: nightly job, demo data and checks."""
