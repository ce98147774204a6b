"""Logging of the nightly job: one rotating file under logs/ plus stderr, secrets redacted.

The file gets every record (what dbt printed included) and rotates at LOG_MAX_BYTES,
keeping LOG_BACKUPS old files. stderr is quiet unless `verbose`: the job's own records,
dbt's errors, the failing and warning rows the on-run-end macro prints, and whatever a
record marks with `extra={CONSOLE: True}`; dbt's per-node lines stay in the file. A
record marked `extra={CONSOLE_ONLY: True}` (progress) goes to stderr only.

The job talks to an internal API with a bearer key and to a webhook whose URL is itself
a credential. Anything can end up in a log record: an HTTP error body that echoes the
request, an exception message, a line of dbt output. Redacting at the handler is the one
place that catches all of them, whatever logger or library produced the record.

Phone numbers of callers and leads are personal data. dbt's printout of failing rows
already masks columns named like *phone*; any E.164 number left in a record (a dbt error
quoting a value, say) is masked here too, keeping its last 4 digits.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import re
import sys
import time
from collections.abc import Iterable, Mapping
from pathlib import Path

JOB_NAME = "update_lead_sales_ledger"
REDACTED = "[REDACTED]"

# Values of these variables are secrets whenever they are set.
SECRET_ENV_VARS = (
    "INTERNAL_API_KEY",
    "ALERT_WEBHOOK_URL",
    "BILLING_DB_PASSWORD",
    "REDSHIFT_PASSWORD",
)

# A bearer token is a secret even when it is not one of ours (e.g. echoed by a proxy).
_BEARER = re.compile(r"(?i)\b(bearer)(\s+)[A-Za-z0-9\-._~+/=]+")
# An E.164 number: + and 8 to 15 digits, not part of a longer number or token.
_E164_PHONE = re.compile(r"(?<![\w+])\+[1-9]\d{7,14}(?!\d|\.\d)")
PHONE_DIGITS_KEPT = 4
_FORMAT = "%(asctime)s.%(msecs)03dZ %(levelname)-8s %(name)s: %(message)s"
_MARKER = "_ledger_job_handler"
LOG_MAX_BYTES = 5 * 1024 * 1024
LOG_BACKUPS = 5
# Record attributes (set through `extra=`) that steer the quiet console.
CONSOLE = "console"
CONSOLE_ONLY = "console_only"
# Loggers whose records are dbt's own output, relayed line by line.
_DBT_LOGGER = "dbt"


def secrets_from_env(env: Mapping[str, str] | None = None) -> list[str]:
    """The secret values present in the environment, longest first."""
    env = os.environ if env is None else env
    values = {env[name] for name in SECRET_ENV_VARS if env.get(name)}
    # Longest first, so a secret containing another is replaced whole.
    return sorted(values, key=len, reverse=True)


def mask_phone(value: str) -> str:
    """`value` with all but its last 4 characters replaced by `*` (all of it when shorter).

    The same rule as the dbt macro mask_personal_value, so a number reads alike everywhere.
    """
    hidden = len(value) - PHONE_DIGITS_KEPT if len(value) > PHONE_DIGITS_KEPT else len(value)
    return "*" * hidden + value[hidden:]


def mask_phone_numbers(text: str) -> str:
    """`text` with every E.164 phone number masked down to its last 4 digits."""
    return _E164_PHONE.sub(lambda match: mask_phone(match.group(0)), text)


def redact(text: str, secrets: Iterable[str]) -> str:
    """`text` with every secret value and bearer token replaced, and phone numbers masked."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return mask_phone_numbers(_BEARER.sub(rf"\1\2{REDACTED}", text))


class RedactingFilter(logging.Filter):
    """Rewrites each record so that its message, exception and stack hold no secret.

    Phone numbers in them are masked to their last 4 digits as well (`redact`).

    Attached to handlers rather than loggers: handler filters also see records that
    propagate from other loggers, logger filters do not.
    """

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]
        self._formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage(), self.secrets)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            # Formatters reuse exc_text once it is set, so the raw traceback never prints.
            record.exc_text = redact(record.exc_text, self.secrets)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self.secrets)
        return True


def _quiet_console(record: logging.LogRecord) -> bool:
    """What stderr shows by default: the job's records, and of dbt's only errors and
    records marked `console` (failing rows, the final counts)."""
    marked = getattr(record, CONSOLE, None)
    if marked is not None:
        return bool(marked)
    if record.name == _DBT_LOGGER or record.name.startswith(_DBT_LOGGER + "."):
        return record.levelno >= logging.ERROR
    return True


def configure_logging(
    log_dir: Path,
    *,
    level: int = logging.INFO,
    secrets: Iterable[str] | None = None,
    verbose: bool = True,
) -> Path:
    """Send every record to `log_dir/update_lead_sales_ledger.log` (rotating) and to
    stderr; with `verbose` False, stderr only gets what _quiet_console lets through.

    Calling it again replaces the handlers it installed before (tests configure it
    once per case) and leaves any other handler alone. Returns the log file path.
    """
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / f"{JOB_NAME}.log"
    redacting = RedactingFilter(secrets_from_env() if secrets is None else secrets)
    formatter = logging.Formatter(_FORMAT, "%Y-%m-%dT%H:%M:%S")
    formatter.converter = time.gmtime

    close_logging()
    root = logging.getLogger()
    file_handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=LOG_MAX_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8"
    )
    # Records meant for the terminal only (progress) stay out of the file.
    file_handler.addFilter(lambda record: not getattr(record, CONSOLE_ONLY, False))
    console = logging.StreamHandler(sys.stderr)
    if not verbose:
        console.addFilter(_quiet_console)
    handlers: list[logging.Handler] = [file_handler, console]
    for handler in handlers:
        handler.setFormatter(formatter)
        handler.addFilter(redacting)
        handler.setLevel(level)
        setattr(handler, _MARKER, True)
        root.addHandler(handler)
    root.setLevel(level)
    return path


def close_logging() -> None:
    """Remove and close the handlers `configure_logging` installed, and only those."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, _MARKER, False)]:
        root.removeHandler(handler)
        handler.close()
