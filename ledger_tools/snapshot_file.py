"""The snapshot backup's CSV files: written atomically, read back checked line by line.

UTF-8, exact decimals, timestamps `YYYY-MM-DD HH:MM:SS[.ffffff]`, null an empty field. Every
line is checked here before the engine loads any, since COPY would round `12.345` into a
`numeric(12,2)` rather than refuse it by line.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from ledger_tools.warehouse import Row, value_text

Lines = list[tuple[int, list[str | None]]]


class BackupRefused(Exception):
    """Nothing was changed, for the one-line reason given."""


@dataclass(frozen=True)
class Column:
    name: str
    data_type: str
    precision: int | None = None
    scale: int | None = None


def runs_file_of(path: Path) -> Path:
    """`prices.csv` -> `prices.runs.csv`, beside it."""
    stem = path.name[: -len(".csv")] if path.name.endswith(".csv") else path.name
    return path.with_name(f"{stem}.runs.csv")


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Row]) -> None:
    """Written beside its destination and renamed in: nobody ever sees half a backup."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(header)
            writer.writerows([value_text(v) or "" for v in row] for row in rows)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def read_csv(
    path: Path, *, required: Sequence[str], allow_empty: bool = False
) -> tuple[list[str], Lines]:
    """Header and (line number, fields) of a backup file; empty fields are None."""
    if not path.is_file():
        raise BackupRefused(f"no backup file {path}")
    try:
        with path.open(encoding="utf-8", newline="") as source:
            reader = csv.reader(source, strict=True)
            names = _header(path, next(reader, None), required)
            lines: Lines = []
            for fields in filter(None, reader):
                if len(fields) != len(names):
                    raise BackupRefused(
                        f"{path}, line {reader.line_num}: {len(fields)} fields, the header "
                        f"has {len(names)}"
                    )
                lines.append((reader.line_num, [f if f != "" else None for f in fields]))
    except csv.Error as exc:
        raise BackupRefused(f"{path}, line {reader.line_num}: not valid CSV: {exc}") from None
    except UnicodeDecodeError as exc:
        raise BackupRefused(f"{path}: not UTF-8 text: {exc}") from None
    if not lines and not allow_empty:
        raise BackupRefused(f"{path} holds no rows: nothing to restore")
    return names, lines


def _header(path: Path, header: list[str] | None, required: Sequence[str]) -> list[str]:
    if header is None:
        raise BackupRefused(f"{path} is empty: not a snapshot export")
    names = [name.strip() for name in header]
    if len(set(names)) != len(names) or "" in names:
        raise BackupRefused(
            f"{path}, line 1: the header names a column twice or not at all: {header}"
        )
    absent = [c for c in required if c not in names]
    if absent:
        raise BackupRefused(
            f"{path}, line 1: the header lacks {', '.join(absent)}: not an export of this table"
        )
    return names


def check_header(path: Path, header: Sequence[str], columns: Sequence[str], table: object) -> None:
    if set(header) != set(columns):
        extra = [c for c in header if c not in columns]
        lacking = [c for c in columns if c not in header]
        raise BackupRefused(
            f"{path}, line 1: its columns do not match {table}"
            + (f"; not in the table: {', '.join(extra)}" if extra else "")
            + (f"; not in the file: {', '.join(lacking)}" if lacking else "")
        )


def check_unique(path: Path, header: Sequence[str], lines: Lines, column: str) -> None:
    position = list(header).index(column)
    seen: dict[str | None, int] = {}
    for number, fields in lines:
        value = fields[position]
        if value in seen:
            raise BackupRefused(
                f"{path}, line {number}: version {value} is also on line {seen[value]}"
            )
        seen[value] = number


def typed_rows(
    path: Path,
    header: Sequence[str],
    lines: Lines,
    columns: Sequence[Column],
    required: Iterable[str],
) -> list[Row]:
    """The lines as the columns' Python values; a field that is not one names its line."""
    by_name = {c.name: c for c in columns}
    parsers = [_parser(by_name[name]) for name in header]
    not_null = set(required)
    rows: list[Row] = []
    for number, fields in lines:
        values = []
        for name, parse, text in zip(header, parsers, fields, strict=True):
            if text is None and name in not_null:
                raise BackupRefused(f"{path}, line {number}: {name} is empty")
            try:
                values.append(None if text is None else parse(text))
            except (ValueError, ArithmeticError) as exc:
                raise BackupRefused(
                    f"{path}, line {number}: {name} {text!r} is not a "
                    f"{by_name[name].data_type}: {exc}"
                ) from None
        rows.append(tuple(values))
    return rows


def _parser(column: Column) -> Callable[[str], Any]:
    kind = column.data_type.lower()
    if "int" in kind:
        return int
    if kind.startswith(("numeric", "decimal")):
        return lambda text: _decimal(text, column)
    if kind.startswith("timestamp"):
        return _timestamp
    if kind == "date":
        return date.fromisoformat
    return str


def _decimal(text: str, column: Column) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise ValueError("not a decimal number") from None
    if not value.is_finite():
        raise ValueError("not a finite number")
    # The engine would round extra decimals away: money must come back to the cent or not at all.
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)
    if column.scale is not None and -exponent > column.scale:
        raise ValueError(f"more than {column.scale} decimals")
    if column.precision is not None and column.scale is not None:
        whole_digits = len(value.quantize(Decimal(1)).copy_abs().as_tuple().digits)
        if value.copy_abs() >= 1 and whole_digits > column.precision - column.scale:
            raise ValueError(f"too large for ({column.precision}, {column.scale})")
    return value


def _timestamp(text: str) -> datetime:
    value = datetime.fromisoformat(text.strip())
    if value.tzinfo is not None:
        raise ValueError("a time zone where the column has none")
    return value
