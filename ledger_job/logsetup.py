"""The job's logging: a rotating file under logs/ and stderr, secrets redacted, phones masked.

The file gets every record; stderr, unless verbose, the job's own, dbt's errors and records
marked `extra={CONSOLE: True}`. Redaction sits on the handlers, which every record passes.
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
SECRET_ENV_VARS = (
    "INTERNAL_API_KEY",
    "ALERT_WEBHOOK_URL",
    "BILLING_DB_PASSWORD",
    "REDSHIFT_PASSWORD",
)
_BEARER = re.compile(r"(?i)\b(bearer)(\s+)[A-Za-z0-9\-._~+/=]+")  # anyone's, e.g. a proxy's
_E164_PHONE = re.compile(r"(?<![\w+])\+[1-9]\d{7,14}(?!\d|\.\d)")  # not part of a longer token
PHONE_DIGITS_KEPT = 4
_FORMAT = "%(asctime)s.%(msecs)03dZ %(levelname)-8s %(name)s: %(message)s"
_MARKER = "_ledger_job_handler"
LOG_MAX_BYTES, LOG_BACKUPS = 5 * 1024 * 1024, 5
CONSOLE, CONSOLE_ONLY = "console", "console_only"  # extra= keys: shown; stderr only


def secrets_from_env(env: Mapping[str, str] | None = None) -> list[str]:
    """The secret values set, longest first, so a secret containing another goes whole."""
    env = os.environ if env is None else env
    return sorted({env[name] for name in SECRET_ENV_VARS if env.get(name)}, key=len, reverse=True)


def mask_phone(value: str) -> str:
    """All but the last 4 characters as `*` (all of them when shorter)."""
    hidden = len(value) - PHONE_DIGITS_KEPT if len(value) > PHONE_DIGITS_KEPT else len(value)
    return "*" * hidden + value[hidden:]


def mask_phone_numbers(text: str) -> str:
    return _E164_PHONE.sub(lambda match: mask_phone(match.group(0)), text)


def redact(text: str, secrets: Iterable[str]) -> str:
    for secret in filter(None, secrets):
        text = text.replace(secret, REDACTED)
    return mask_phone_numbers(_BEARER.sub(rf"\1\2{REDACTED}", text))


class RedactingFilter(logging.Filter):
    """Redacts a record's message, traceback and stack (on handlers: they see every record)."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]
        self._formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = redact(record.getMessage(), self.secrets), None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:  # formatters reuse exc_text: the raw traceback never prints
            record.exc_text = redact(record.exc_text, self.secrets)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self.secrets)
        return True


def _quiet_console(record: logging.LogRecord) -> bool:
    """dbt's records only from ERROR, unless marked CONSOLE; the job's own always."""
    if (marked := getattr(record, CONSOLE, None)) is not None:
        return bool(marked)
    return record.levelno >= logging.ERROR or record.name.split(".")[0] != "dbt"


def configure_logging(log_dir: Path, *, verbose: bool = True) -> Path:
    """Log to `log_dir`'s rotating file and stderr, replacing only its own handlers; the file."""
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / f"{JOB_NAME}.log"
    redacting = RedactingFilter(secrets_from_env())
    formatter = logging.Formatter(_FORMAT, "%Y-%m-%dT%H:%M:%S")
    formatter.converter = time.gmtime
    close_logging()
    file_handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=LOG_MAX_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8"
    )
    file_handler.addFilter(lambda record: not getattr(record, CONSOLE_ONLY, False))
    console = logging.StreamHandler(sys.stderr)
    if not verbose:
        console.addFilter(_quiet_console)
    for handler in (file_handler, console):
        handler.setFormatter(formatter)
        handler.addFilter(redacting)
        handler.setLevel(logging.INFO)
        setattr(handler, _MARKER, True)
        logging.getLogger().addHandler(handler)
    logging.getLogger().setLevel(logging.INFO)
    return path


def close_logging() -> None:
    """Remove and close the handlers `configure_logging` installed, and only those."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, _MARKER, False)]:
        root.removeHandler(handler)
        handler.close()
