"""The benchmark's figures as a plain-text table (for a terminal and docs/speed.md), markdown
and JSON. One block per scale, one row (or column group) per engine, side by side."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from ledger_job.money import plural
from ledger_tools.benchmark.reads import READS, ReadFigures, Timing, ratio_to_total
from ledger_tools.benchmark.results import EngineFigures, ScaleFigures

# Header, rows, and how many leading columns hold text (left-aligned; the rest are numbers).
Table = tuple[list[str], list[list[str]], int]
MISSING = "-"
ONCE_NOTE = "* one run only: its warm-up took longer than --once-over, so it was not repeated"


def _num(value: float | None, digits: int) -> str:
    return MISSING if value is None else f"{value:,.{digits}f}"


def _money(text: str | None) -> str:
    return MISSING if text is None else f"{Decimal(text):,}"  # its own places: exact


def _seconds(timing: Timing | None) -> str:
    # A * marks the one run of a read too slow to repeat.
    if timing is None:
        return MISSING
    return f"{timing.median_s:.3f}" + ("" if timing.repeated else "*")


def _share(value: float | None) -> str:
    """A read's time over the whole-ledger aggregate's: selective reads are far under 1."""
    if value is None:
        return MISSING
    if value >= 1:
        return _ratio(value)
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def _ratio(value: float | None) -> str:
    if value is None:
        return MISSING
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def totals_line(scale: ScaleFigures) -> str | None:
    """Whether every engine's ledger came out the same: rows and billed total."""
    if len(scale.engines) < 2 or any(e.ledger_billed is None for e in scale.engines):
        return None
    totals = {(e.ledger_rows, Decimal(e.ledger_billed or 0)) for e in scale.engines}
    engines = " and ".join(e.engine for e in scale.engines)
    if len(totals) == 1:
        return f"ledger totals identical on {engines}"
    return f"LEDGER TOTALS DIFFER between {engines}"


def text_table(table: Table) -> list[str]:
    header, rows, text_columns = table
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        padded = [
            cell.ljust(width) if i < text_columns else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  ".join(padded).rstrip()

    return [line(header), *(line(row) for row in rows)]


def markdown_table(table: Table) -> list[str]:
    header, rows, text_columns = table
    rule = ["---" if i < text_columns else "---:" for i in range(len(header))]
    return ["| " + " | ".join(cells) + " |" for cells in [header, rule, *rows]]


# The engines' table: each column's header beside what it shows of an engine.
ENGINE_COLUMNS: tuple[tuple[str, Callable[[EngineFigures], str]], ...] = (
    ("engine", lambda e: e.engine),
    ("raw rows", lambda e: _num(e.raw_rows, 0)),
    ("load s", lambda e: _num(e.load_s, 2)),
    ("job s", lambda e: _num(e.job.seconds if e.job else None, 1)),
    ("exit", lambda e: MISSING if e.job is None else str(e.job.exit_code)),
    ("dbt build s", lambda e: _num(e.build.elapsed_s if e.build else None, 1)),
    ("peak RSS MB", lambda e: _num(e.job.peak_tree_rss_mb if e.job else None, 0)),
    ("largest proc MB", lambda e: _num(e.job.max_process_rss_mb if e.job else None, 0)),
    ("pg backend MB", lambda e: _num(e.job.peak_backend_rss_mb if e.job else None, 0)),
    ("copies s", lambda e: _num(e.copies_s, 2)),
    ("ledger rows", lambda e: _num(e.ledger_rows, 0)),
    ("billed_amount total", lambda e: _money(e.ledger_billed)),
)


def engine_table(scale: ScaleFigures) -> Table:
    rows = [[show(e) for _, show in ENGINE_COLUMNS] for e in scale.engines]
    return [name for name, _ in ENGINE_COLUMNS], rows, 1


def _columns(engine: EngineFigures) -> tuple[bool, bool]:
    """Whether the engine has indexed reads (PostgreSQL) and published-copy reads (DuckDB)."""
    return any(r.indexed for r in engine.reads), any(r.published for r in engine.reads)


def _read_label(key: str, label: str, scale: ScaleFigures) -> str:
    if scale.filters is None:
        return label
    if key in ("broker_ledger", "broker_entries"):
        return f"{label} ({scale.filters.label()})"
    if key == "day_by_deal_type":
        return f"{label} ({scale.filters.day_label()})"
    return label


def reads_table(scale: ScaleFigures, repeats: int) -> Table:
    header = [f"read (median of {plural(repeats, 'run')}, s)"]
    for e in scale.engines:
        indexed, published = _columns(e)
        header += [f"{e.engine} view", f"{e.engine} table", "view/table", "view/total"]
        header += [f"{e.engine} view+ix", "+ix/total"] if indexed else []
        header += [f"{e.engine} copy"] if published else []
    rows = []
    for read in READS:
        row = [_read_label(read.key, read.label, scale)]
        for e in scale.engines:
            indexed, published = _columns(e)
            found = next((r for r in e.reads if r.key == read.key), None)
            if found is None:
                found = ReadFigures(read.key, read.label, read.sql, None, None)
            row += [
                _seconds(found.view),
                _seconds(found.table),
                _ratio(found.ratio),
                _share(ratio_to_total(e.reads, read.key)),
            ]
            if indexed:
                row += [
                    _seconds(found.indexed),
                    _share(ratio_to_total(e.reads, read.key, "indexed")),
                ]
            if published:
                row += [_seconds(found.published)]
        rows.append(row)
    return header, rows, 1


def reads_notes(scale: ScaleFigures) -> list[str]:
    """What the read columns beyond view and table mean, for this scale's engines."""
    notes = ["view/total: the read's median over the whole-ledger aggregate's (ledger_total)"]
    for e in scale.engines:
        indexed, published = _columns(e)
        if indexed and e.indexes is not None:
            notes.append(
                f"{e.engine} view+ix: the views again once the raw tables are indexed "
                f"(create_raw_indexes, {e.indexes.seconds:.1f} s); +ix/total likewise"
            )
        if published:
            notes.append(f"{e.engine} copy: the copy the job published, its marts as tables")
    return notes


def slowest_table(scale: ScaleFigures) -> Table:
    header = ["slowest nodes", *(f"{e.engine}: s, node" for e in scale.engines)]
    depth = max((len(e.build.slowest) for e in scale.engines if e.build), default=0)
    rows = []
    for rank in range(depth):
        row = [str(rank + 1)]
        for e in scale.engines:
            nodes = e.build.slowest if e.build else []
            node = nodes[rank] if rank < len(nodes) else None
            row.append(MISSING if node is None else f"{node.seconds:6.2f}  {node.name[:50]}")
        rows.append(row)
    return header, rows, len(header)


def _once(scale: ScaleFigures) -> bool:
    timings = [
        t
        for e in scale.engines
        for r in e.reads
        for t in (r.view, r.table, r.indexed, r.published)
        if t
    ]
    return any(not t.repeated for t in timings)


def _errors(scale: ScaleFigures) -> list[str]:
    lines = [f"{e.engine}: {e.error}" for e in scale.engines if e.error]
    lines += [f"{e.engine}: {e.indexes_error}" for e in scale.engines if e.indexes_error]
    for e in scale.engines:
        lines += [f"{e.engine}, {r.label}: {r.error}" for r in e.reads if r.error]
    return lines


def scale_title(scale: ScaleFigures) -> str:
    load = f" (load average at its end {scale.load_average})" if scale.load_average else ""
    return f"scale {scale.scale:g}{load}"


def format_scale_text(scale: ScaleFigures, repeats: int) -> str:
    totals = totals_line(scale)
    lines = [f"== {scale_title(scale)} ==", *text_table(engine_table(scale))]
    lines += [totals, ""] if totals else [""]
    if any(e.reads for e in scale.engines):
        lines += text_table(reads_table(scale, repeats))
        lines += [*reads_notes(scale), *([ONCE_NOTE] if _once(scale) else []), ""]
    if any(e.build and e.build.slowest for e in scale.engines):
        lines += [*text_table(slowest_table(scale)), ""]
    lines += [f"ERROR {line}" for line in _errors(scale)]
    return "\n".join(lines).rstrip() + "\n"


def format_scale_markdown(scale: ScaleFigures, repeats: int) -> str:
    totals = totals_line(scale)
    lines = [f"### {scale_title(scale)}", "", *markdown_table(engine_table(scale)), ""]
    lines += [f"{totals}.", ""] if totals else []
    if any(e.reads for e in scale.engines):
        lines += [*markdown_table(reads_table(scale, repeats)), ""]
        lines += [f"- {note}" for note in reads_notes(scale)] + [""]
        lines += [ONCE_NOTE.replace("*", "\\*", 1), ""] if _once(scale) else []
    if any(e.build and e.build.slowest for e in scale.engines):
        lines += [*markdown_table(slowest_table(scale)), ""]
    lines += [f"- **error** {line}" for line in _errors(scale)]
    return "\n".join(lines).rstrip() + "\n"


def _engine_json(engine: EngineFigures) -> dict[str, Any]:
    document = dataclasses.asdict(engine)
    document["load_s"] = engine.load_s
    for read, figures in zip(document["reads"], engine.reads, strict=True):
        read["ratio_view_table"] = figures.ratio
        read["ratio_view_total"] = ratio_to_total(engine.reads, figures.key)
        read["ratio_indexed_total"] = ratio_to_total(engine.reads, figures.key, "indexed")
        read["ratio_published_total"] = ratio_to_total(engine.reads, figures.key, "published")
    return document


def to_json(run: dict[str, Any], machine: dict[str, str], scales: list[ScaleFigures]) -> dict:
    return {
        "run": run,
        "machine": machine,
        "reads": {read.key: {"label": read.label, "sql": read.sql} for read in READS},
        "scales": [
            {
                "scale": scale.scale,
                "filters": None if scale.filters is None else dataclasses.asdict(scale.filters),
                "load_average_at_end": scale.load_average,
                "engines": [_engine_json(e) for e in scale.engines],
            }
            for scale in scales
        ],
    }
