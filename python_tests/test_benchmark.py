"""The benchmark's code, cheaply: its formatting on fixed figures, its reading of dbt's
run_results.json, its memory measurement, and one end-to-end run at a tiny scale on DuckDB.

Nothing here looks at how fast anything is: figures depend on the machine.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from ledger_tools.benchmark import report
from ledger_tools.benchmark.build import BuildFigures, NodeTiming, read_build_figures
from ledger_tools.benchmark.engines import find_backends
from ledger_tools.benchmark.process import (
    BackendWatch,
    Measured,
    parent_of,
    process_title,
    run_measured,
)
from ledger_tools.benchmark.reads import READS, BrokerMonth, ReadFigures, Timing, time_read
from ledger_tools.benchmark.results import EngineFigures, ScaleFigures
from ledger_tools.benchmark.run import main
from ledger_tools.benchmark.settings import parse_args
from ledger_tools.pg_settings import PostgresSettings


def _engine(name: str, billed: str, seconds: float) -> EngineFigures:
    timing = Timing(warmup_s=0.5, median_s=0.25, runs_s=[0.2, 0.25, 0.3])
    table = Timing(warmup_s=0.01, median_s=0.005, runs_s=[0.005])
    return EngineFigures(
        engine=name,
        raw_rows=7451,
        load=Measured(0, 1.5, 120.0, 130.0),
        analyze_s=0.5,
        job=Measured(0, seconds, 350.0, 420.0, 90.0, 40.0),
        build=BuildFigures(
            17.25,
            {"pass": 3},
            [NodeTiming("lead_sales_ledger", "model", "success", 1.5)],
        ),
        copies_s=0.3,
        ledger_rows=4150,
        ledger_billed=billed,
        reads=[ReadFigures(r.key, r.label, r.sql, timing, table) for r in READS],
    )


def _scale(postgres_billed: str = "1234567.89") -> ScaleFigures:
    return ScaleFigures(
        scale=1.0,
        engines=[_engine("duckdb", "1234567.89", 25.0), _engine("postgres", postgres_billed, 31)],
        filters=BrokerMonth(12, date(2025, 6, 1)),
    )


def test_text_block_puts_engines_side_by_side() -> None:
    text = report.format_scale_text(_scale(), repeats=3)
    lines = text.splitlines()
    assert lines[0] == "== scale 1 =="
    duckdb_row = next(line for line in lines if line.startswith("duckdb "))
    figures = ["7,451", "2.00", "25.0", "0", "17.2", "420", "350", "90", "0.30", "4,150"]
    assert duckdb_row.split() == ["duckdb", *figures, "1,234,567.89"]
    assert "ledger totals identical on duckdb and postgres" in text
    assert "duckdb view  duckdb table  view/table  view/total  postgres view" in text
    assert "(broker 12, 2025-06)" in text and "(2025-06-15)" in text
    balance = next(line for line in lines if line.startswith("ledger_balance_check"))
    assert balance.split()[1:] == ["0.250", "0.005", "50.0", "1.0"] * 2
    assert "1.50  lead_sales_ledger" in text
    # Every row of a table is as wide as its header: the columns line up.
    header = next(line for line in lines if line.startswith("read (median of 3 runs, s)"))
    assert len(balance) == len(header)


def test_differing_totals_are_called_out() -> None:
    assert "LEDGER TOTALS DIFFER" in report.format_scale_text(_scale("1.00"), repeats=3)
    # The same amount written differently is the same total.
    assert "identical" in report.format_scale_text(_scale("1234567.890"), repeats=3)


def test_markdown_and_json_hold_the_same_figures() -> None:
    markdown = report.format_scale_markdown(_scale(), repeats=3)
    assert "| duckdb | 7,451 | 2.00 | 25.0 | 0 | 17.2 |" in markdown
    assert "| --- | ---: |" in markdown
    document = report.to_json({"title": "t"}, {"cores": "2"}, [_scale()])
    engine = json.loads(json.dumps(document, default=str))["scales"][0]["engines"][0]
    assert engine["load_s"] == 2.0
    assert engine["reads"][0]["ratio_view_table"] == 50.0
    assert engine["job"]["peak_backend_rss_mb"] == 90.0


def test_a_failed_engine_shows_dashes_and_its_error() -> None:
    scale = _scale()
    scale.engines[1] = EngineFigures("postgres", error="the build exited with 1")
    text = report.format_scale_text(scale, repeats=3)
    assert "ERROR postgres: the build exited with 1" in text
    postgres_row = next(line for line in text.splitlines() if line.startswith("postgres "))
    assert set(postgres_row.split()[1:]) == {"-"}


def test_a_read_too_slow_to_repeat_runs_once_and_is_marked() -> None:
    class Session:
        calls = 0

        def query(self, sql: str) -> list[tuple[int]]:
            Session.calls += 1
            return [(Session.calls,)]

    session: Any = Session()
    timing, rows = time_read(session, "select 1", repeats=3, once_over_s=float("inf"))
    assert (Session.calls, len(timing.runs_s), rows) == (4, 3, [(4,)])
    timing, _ = time_read(session, "select 1", repeats=3, once_over_s=-1)
    assert (Session.calls, timing.runs_s, timing.median_s) == (5, [], timing.warmup_s)

    scale = _scale()
    scale.engines[1].reads[2] = dataclasses.replace(
        scale.engines[1].reads[2], view=Timing(75.0, 75.0, [])
    )
    text = report.format_scale_text(scale, repeats=3)
    balance = next(line for line in text.splitlines() if line.startswith("ledger_balance_check"))
    assert balance.split()[5:9] == ["75.000*", "0.005", "15,000", "300"]
    assert report.ONCE_NOTE in text
    assert report.ONCE_NOTE not in report.format_scale_text(_scale(), repeats=3)


def test_selective_reads_are_set_against_the_whole_ledger_with_and_without_indexes() -> None:
    scale = _scale()
    scale.filters = BrokerMonth(12, date(2025, 6, 1), date(2025, 6, 9))
    duck, postgres = scale.engines
    postgres.indexes = Measured(0, 4.25, 90.0, 95.0)
    for engine, kind, fast in ((postgres, "indexed", 0.002), (duck, "published", 0.001)):
        engine.reads = [
            dataclasses.replace(
                read,
                view=Timing(2.5, 2.0 if read.key == "ledger_total" else 0.5, [0.5]),
                **{kind: Timing(0.01, 1.0 if read.key == "ledger_total" else fast, [fast])},
            )
            for read in engine.reads
        ]
    text = report.format_scale_text(scale, repeats=3)
    header = next(line for line in text.splitlines() if line.startswith("read (median"))
    assert re.split(r"\s{2,}", header)[1:] == [
        *["duckdb view", "duckdb table", "view/table", "view/total", "duckdb copy"],
        *["postgres view", "postgres table", "view/table", "view/total"],
        *["postgres view+ix", "+ix/total"],
    ]
    day = next(line for line in text.splitlines() if line.startswith("one day's revenue"))
    assert "(2025-06-09)" in day
    # view 0.5 over the total's 2.0; indexed 0.002 over the indexed total's 1.0.
    assert day.split()[-11:] == [
        *["0.500", "0.005", "100", "0.250", "0.001"],
        *["0.500", "0.005", "100", "0.250", "0.002", "0.002"],
    ]
    assert "create_raw_indexes, 4.2 s" in text or "create_raw_indexes, 4.3 s" in text
    assert "duckdb copy: the copy the job published" in text
    document = report.to_json({"title": "t"}, {"cores": "2"}, [scale])
    reads = document["scales"][0]["engines"][1]["reads"]
    day_json = next(r for r in reads if r["key"] == "day_by_deal_type")
    assert (day_json["ratio_view_total"], day_json["ratio_indexed_total"]) == (0.25, 0.002)
    assert "| postgres view+ix | +ix/total |" in report.format_scale_markdown(scale, repeats=3)


def test_build_figures_come_from_a_build_only(tmp_path: Path) -> None:
    path = tmp_path / "run_results.json"
    results = [
        {"unique_id": "model.p.fast", "status": "success", "execution_time": 0.1},
        {"unique_id": "test.p.not_null_x.abc123", "status": "pass", "execution_time": 2.0},
        {"unique_id": "unit_test.p.model_y.test_z", "status": "fail", "execution_time": 1.0},
    ]
    path.write_text(
        json.dumps({"args": {"which": "build"}, "elapsed_time": 9.5, "results": results})
    )
    figures = read_build_figures(path, top=2)
    assert figures is not None
    assert figures.elapsed_s == 9.5
    assert figures.statuses == {"fail": 1, "pass": 1, "success": 1}
    assert [(n.name, n.seconds) for n in figures.slowest] == [("not_null_x", 2.0), ("test_z", 1.0)]
    path.write_text(json.dumps({"args": {"which": "show"}, "results": results}))
    assert read_build_figures(path) is None


def test_memory_is_the_childs_not_the_benchmarks(tmp_path: Path) -> None:
    grown = bytearray(200 * 2**20)  # the benchmark's own memory must not show
    grown[::4096] = b"\1" * len(grown[::4096])
    measured = run_measured(
        [sys.executable, "-c", 'import sys; b = b"x" * (40 * 2**20); sys.exit(3)'],
        env=os.environ,
        cwd=tmp_path,
        log_path=tmp_path / "child.log",
    )
    assert measured.exit_code == 3
    assert 40 < measured.max_process_rss_mb < 150
    assert measured.peak_tree_rss_mb is not None
    assert measured.peak_tree_rss_mb >= measured.max_process_rss_mb


def test_engines_and_scales_are_words_of_one_or_many_arguments() -> None:
    settings = parse_args(["--engines", "duckdb postgres", "--scales", "0.5", "5"])
    assert settings.engines == ["duckdb", "postgres"]
    assert settings.scales == [0.5, 5.0]
    with pytest.raises(SystemExit):
        parse_args(["--engines", "oracle"])
    with pytest.raises(SystemExit):
        parse_args(["--scales", "0"])


@pytest.mark.dbt
def test_end_to_end_on_duckdb_at_a_tiny_scale(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    json_path, markdown_path = tmp_path / "bench.json", tmp_path / "bench.md"
    code = main(
        [
            "--scales",
            "0.05",
            "--engines",
            "duckdb",
            "--repeats",
            "1",
            "--workdir",
            str(tmp_path / "work"),
            "--json",
            str(json_path),
            "--markdown",
            str(markdown_path),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert out.startswith("ledger benchmark ")
    assert "cores" in out.splitlines()[1]
    assert "== scale 0.05 (load average at its end " in out

    engine = json.loads(json_path.read_text())["scales"][0]["engines"][0]
    assert engine["error"] is None
    assert engine["raw_rows"] > 0
    assert engine["job"]["exit_code"] == 0
    assert engine["job"]["max_process_rss_mb"] > 0
    assert len(engine["build"]["slowest"]) == 5
    assert engine["ledger_rows"] > 0
    assert [r["key"] for r in engine["reads"]] == [r.key for r in READS]
    for read in engine["reads"]:
        assert read["error"] is None, read
        assert len(read["view"]["runs_s"]) == len(read["table"]["runs_s"]) == 1
        # The published copy was read too, and every read set against the whole ledger.
        assert len(read["published"]["runs_s"]) == 1 and read["indexed"] is None
        assert read["ratio_view_total"] is not None
        assert "ledger_bench_marts." in read["sql"]
    filters = json.loads(json_path.read_text())["scales"][0]["filters"]
    assert filters["day"].startswith(filters["month"][:7])
    assert "| duckdb |" in markdown_path.read_text()


@pytest.mark.dbt
@pytest.mark.postgres
def test_end_to_end_on_postgres_reads_with_and_without_the_raw_indexes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    json_path = tmp_path / "bench.json"
    work = ["--workdir", str(tmp_path / "work"), "--json", str(json_path)]
    code = main(["--scales", "0.05", "--engines", "postgres", "--repeats", "1", *work])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "postgres view+ix  +ix/total" in out

    engine = json.loads(json_path.read_text())["scales"][0]["engines"][0]
    assert engine["error"] is None and engine["indexes_error"] is None
    assert engine["indexes"]["exit_code"] == 0
    for read in engine["reads"]:
        assert read["error"] is None, read
        assert len(read["indexed"]["runs_s"]) == 1 and read["published"] is None
        assert read["ratio_indexed_total"] is not None


@pytest.mark.parametrize(
    ("title", "counted"),
    [
        ("postgres: bench bench 127.0.0.1(5432) SELECT", True),
        ("postgres: 15/main: bench bench 127.0.0.1(5432) idle", True),
        ("postgres: 15/main: parallel worker for PID 42", True),
        ("postgres: parallel worker for PID 42", True),
        ("postgres: 15/main: benchmark benchmark [local] idle", False),
        ("postgres: 15/main: checkpointer", False),
        ("python3 bench", False),
    ],
)
def test_query_backends_are_told_by_their_title(title: str, counted: bool) -> None:
    assert BackendWatch(1, "bench").is_query_backend(title) is counted


@pytest.mark.postgres
def test_a_local_servers_backends_are_found_without_superuser() -> None:
    settings = PostgresSettings.from_env()
    if not settings.is_loopback():
        pytest.skip("the server is not on this machine")
    with settings.connect() as connection:
        watch = find_backends(connection, settings)
        assert watch is not None
        backend = int(connection.execute("select pg_backend_pid()").fetchone()[0])
        assert parent_of(backend) == watch.postmaster_pid
        assert watch.is_query_backend(process_title(backend))
