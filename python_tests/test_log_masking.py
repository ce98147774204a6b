"""Phone numbers are personal data: the job's log keeps only their last 4 digits.

dbt's printout of failing rows masks columns named like *phone* itself (test_bad_input
checks it on real builds); this is the job's own net under every log record.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from ledger_job.logsetup import (
    REDACTED,
    SECRET_ENV_VARS,
    close_logging,
    configure_logging,
    mask_phone,
    mask_phone_numbers,
    redact,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("caller_phone=+15550301234, call_id=CA-1", "caller_phone=********1234, call_id=CA-1"),
        ("from +442071838750.", "from *********8750."),
        ("+15550301234 and +15550309876", "********1234 and ********9876"),
        # Not phone numbers: amounts, times, ids, too few digits.
        ("difference=+12345678.90", "difference=+12345678.90"),
        ("2025-05-05 05:00:07+00:00", "2025-05-05 05:00:07+00:00"),
        ("lead BL-+1555 id=915550301234", "lead BL-+1555 id=915550301234"),
        ("+1555030", "+1555030"),
    ],
)
def test_e164_numbers_keep_their_last_4_digits(text: str, expected: str) -> None:
    assert mask_phone_numbers(text) == expected


def test_short_values_are_hidden_whole() -> None:
    assert mask_phone("1234") == "****"
    assert mask_phone("") == ""
    assert mask_phone("+15550301234") == "********1234"


def test_redact_masks_phones_as_well_as_secrets() -> None:
    text = "POST failed for key s3cr3t-key: caller +15550301234"
    assert redact(text, ["s3cr3t-key"]) == f"POST failed for key {REDACTED}: caller ********1234"


def test_the_job_log_never_holds_a_whole_phone_number(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in SECRET_ENV_VARS:  # nothing of the run's environment redacted here
        monkeypatch.delenv(name, raising=False)
    path = configure_logging(tmp_path)
    try:
        logging.getLogger("dbt").info(
            "    call_id=CA-9, caller_phone=%s, duration=30", "+15550301234"
        )
        try:
            raise ValueError("could not convert '+15550309876'")
        except ValueError:
            logging.getLogger("ledger_job.job").exception("failed")
    finally:
        close_logging()
    log = path.read_text()
    assert "caller_phone=********1234" in log
    assert "********9876" in log
    assert "+15550301234" not in log and "+15550309876" not in log
