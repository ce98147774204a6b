"""The benchmark's command line and its loop: for each scale, for each engine, load demo
data, run the nightly job, copy the marts into tables, time the reads (then again on
PostgreSQL with the raw tables indexed, and on DuckDB in the published copy); print each
scale's block as soon as its engines are done (scale 1000 takes a while)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from ledger_job import paths
from ledger_job.money import plural
from ledger_job.process import raise_on_signals
from ledger_tools import demo_data, pg_sandbox
from ledger_tools.benchmark import report
from ledger_tools.benchmark.build import (
    BenchmarkError,
    marts_relations,
    read_build_figures,
)
from ledger_tools.benchmark.engines import (
    MODEL_SCHEMA,
    RAW_SCHEMA_NAMES,
    BenchEngine,
    DuckDbEngine,
    PostgresEngine,
    PostgresServer,
    count_raw_rows,
)
from ledger_tools.benchmark.machine import describe_machine, machine_line
from ledger_tools.benchmark.process import Measured, log_tail, run_measured
from ledger_tools.benchmark.reads import (
    COPIED,
    create_copies,
    pick_broker_month,
    run_reads,
    time_again,
)
from ledger_tools.benchmark.results import EngineFigures, ScaleFigures
from ledger_tools.benchmark.settings import Settings, parse_args
from ledger_tools.pg_settings import PostgresSettings

GENERATOR = paths.PROJECT_ROOT / "scripts" / "generate_demo_data.py"
# What the child processes must not inherit: the caller's warehouse, target, schemas and
# the job's HTTP endpoints (a benchmark posts no heartbeat and no alert).
_INHERITED_NEVER_PREFIXES = ("LEDGER_", "DBT_", "BILLING_DB_")
_INHERITED_NEVER = ("INTERNAL_API_URL", "INTERNAL_API_KEY", "ALERT_WEBHOOK_URL")


def _progress(message: str) -> None:
    # Progress on stderr, so stdout holds only the tables.
    print(f"[{datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def child_env(engine: BenchEngine, directory: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(_INHERITED_NEVER_PREFIXES) and key not in _INHERITED_NEVER
    }
    env.update(
        LEDGER_TARGET=engine.dbt_target,
        LEDGER_SCHEMA=MODEL_SCHEMA,
        DBT_TARGET_PATH=str(directory / "target"),
        DBT_LOG_PATH=str(directory / "dbt_logs"),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
    )
    # The job reads raw schema names from here; the sources prefer them over the dbt vars.
    env.update({f"LEDGER_{raw.upper()}_SCHEMA": name for raw, name in RAW_SCHEMA_NAMES.items()})
    env.update(engine.env())
    return env


def _generator_command(engine: BenchEngine, scale: float, seed: int) -> list[str]:
    target = "duckdb" if engine.name == "duckdb" else "postgres"
    command = [sys.executable, str(GENERATOR), "--target", target, "--scale", f"{scale:g}"]
    # The fixed demo: the same rows whatever the day, so runs compare.
    command += ["--seed", str(seed), "--as-of", str(demo_data.FIXED_AS_OF), "--replace"]
    for raw, name in RAW_SCHEMA_NAMES.items():
        command += ["--schema", f"{raw}={name}"]
    return command


def _failed(figures: EngineFigures, step: str, measured: Measured, log: Path) -> EngineFigures:
    figures.error = f"{step} exited with {measured.exit_code}; its output ({log}) ends:\n" + (
        log_tail(log)
    )
    return figures


def bench_engine(
    engine: BenchEngine,
    settings: Settings,
    scale: ScaleFigures,
    directory: Path,
) -> EngineFigures:
    """One engine at one scale; the scale's filters are set by the first engine to read."""
    figures = EngineFigures(engine.name)
    label = f"scale {scale.scale:g}, {engine.name}"
    engine.reset()
    env = child_env(engine, directory)

    _progress(f"{label}: generating and loading demo data")
    log = directory / "load.log"
    figures.load = run_measured(
        _generator_command(engine, scale.scale, settings.seed),
        env=env,
        cwd=paths.PROJECT_ROOT,
        log_path=log,
    )
    if figures.load.exit_code != 0:
        return _failed(figures, "the demo data generator", figures.load, log)
    with engine.connect(read_only=False) as session:
        started = time.perf_counter()
        engine.after_load(session)
        figures.analyze_s = time.perf_counter() - started
        figures.raw_rows = count_raw_rows(session)
    _progress(f"{label}: {figures.raw_rows:,} raw rows in {figures.load_s:.1f} s")

    checkout = settings.checkout
    figures.parse = run_measured(
        checkout.parse_command(engine.dbt_target, directory),
        env=env,
        cwd=checkout.root,
        log_path=directory / "parse.log",
    )
    _progress(f"{label}: running the {'nightly job' if checkout.builder == 'job' else 'build'}")
    log = directory / "job.log"
    figures.job = run_measured(
        checkout.build_command(engine.dbt_target, directory),
        env=env,
        cwd=directory,  # as cron would: nothing may depend on the caller's directory
        log_path=log,
        backends=engine.backend_watch(),
    )
    figures.build = read_build_figures(directory / "target" / "run_results.json")
    _progress(f"{label}: job exited {figures.job.exit_code} after {figures.job.seconds:.1f} s")
    if figures.job.exit_code != 0:
        return _failed(figures, "the build", figures.job, log)

    views = marts_relations(directory / "target" / "manifest.json", COPIED, f"{MODEL_SCHEMA}_marts")
    with engine.connect(read_only=False) as session:
        started = time.perf_counter()
        create_copies(session, views, analyze=engine.name == "postgres")
        figures.copies_s = time.perf_counter() - started
    with engine.connect(read_only=True) as session:
        if scale.filters is None:
            scale.filters = pick_broker_month(session, views["lead_sales_ledger"])
        _progress(f"{label}: timing reads ({plural(settings.repeats, 'run')} each after a warm-up)")
        figures.reads, totals = run_reads(
            session, views, scale.filters, settings.repeats, settings.once_over_s
        )
    if totals is not None:
        figures.ledger_rows, figures.ledger_billed = totals[0], str(totals[1])
    if isinstance(engine, PostgresEngine):
        _time_indexed(engine, settings, scale, directory, env, views, figures)
    elif isinstance(engine, DuckDbEngine) and engine.read_copy.exists():
        _progress(f"{label}: timing reads on the published copy {engine.read_copy.name}")
        with engine.connect(read_only=True, copy=True) as session:
            figures.reads = time_again(
                session, figures.reads, views, scale.filters, settings, "published"
            )
    return figures


def _time_indexed(
    engine: PostgresEngine,
    settings: Settings,
    scale: ScaleFigures,
    directory: Path,
    env: dict[str, str],
    views: dict[str, str],
    figures: EngineFigures,
) -> None:
    """The views read again once the raw tables carry the indexes of `make pg-indexes`,
    created by the same dbt operation."""
    label = f"scale {scale.scale:g}, {engine.name}"
    _progress(f"{label}: creating the raw tables' indexes (create_raw_indexes)")
    log = directory / "indexes.log"
    checkout = settings.checkout
    figures.indexes = run_measured(
        checkout.operation_command("create_raw_indexes", engine.dbt_target, directory),
        env=env,
        cwd=checkout.root,
        log_path=log,
    )
    if figures.indexes.exit_code != 0:
        figures.indexes_error = (
            f"create_raw_indexes exited with {figures.indexes.exit_code} (an older checkout "
            f"has no such macro); its output ({log}) ends: {log_tail(log)}"
        )
        return
    _progress(f"{label}: timing reads on the views again, the raw tables indexed")
    with engine.connect(read_only=True) as session:
        figures.reads = time_again(
            session, figures.reads, views, scale.filters, settings, "indexed"
        )


@contextlib.contextmanager
def postgres_server(options: str) -> Iterator[PostgresServer]:
    """BILLING_DB_* when set (only ledger_bench_* schemas are touched), else a throwaway
    server of the test suite's kind, removed afterwards."""
    if os.environ.get(pg_sandbox.HOST_ENV):
        settings = PostgresSettings.from_env()
        origin = f"server from BILLING_DB_* at {settings.host}"
        yield PostgresServer.inspect(settings, origin, options)
        return
    binaries, reason = pg_sandbox.find_server()
    if binaries is None:
        raise BenchmarkError(f"PostgreSQL asked for, but BILLING_DB_HOST is unset and {reason}")
    _progress(f"starting a throwaway PostgreSQL ({binaries.label})")
    with pg_sandbox.throwaway_server(binaries) as settings:
        yield PostgresServer.inspect(settings, "throwaway server", options)
    _progress("throwaway PostgreSQL stopped and removed")


def _write_outputs(
    settings: Settings, run: dict[str, Any], machine: dict[str, str], scales: list[ScaleFigures]
) -> None:
    # Rewritten after every scale, so an interrupted long run keeps what it measured.
    if settings.json_path:
        settings.json_path.parent.mkdir(parents=True, exist_ok=True)
        document = report.to_json(run, machine, scales)
        settings.json_path.write_text(json.dumps(document, indent=2, default=str) + "\n")
    if settings.markdown_path:
        settings.markdown_path.parent.mkdir(parents=True, exist_ok=True)
        blocks = [report.format_scale_markdown(s, settings.repeats) for s in scales]
        header = f"{run['title']}\n\n{machine_line(machine)}\n"
        settings.markdown_path.write_text("\n".join([header, *blocks]))


def run_benchmark(settings: Settings, out: TextIO | None = None) -> list[ScaleFigures]:
    out = out or sys.stdout
    settings.checkout.check()
    scales: list[ScaleFigures] = []
    with contextlib.ExitStack() as stack:
        if settings.workdir is not None:
            workdir = settings.workdir
            workdir.mkdir(parents=True, exist_ok=True)
        else:
            workdir = Path(tempfile.mkdtemp(prefix="ledger-bench-"))
            if not settings.keep:
                stack.callback(_remove_unless_failed, workdir, scales)
        server = None
        if "postgres" in settings.engines:
            server = stack.enter_context(postgres_server(settings.pg_options))
            if not settings.keep:
                stack.callback(PostgresEngine(server, workdir).reset)

        machine = describe_machine(settings.checkout.package_versions(), server)
        run = _run_description(settings, workdir)
        print(run["title"], machine_line(machine), "", sep="\n", file=out, flush=True)
        for value in settings.scales:
            scale = ScaleFigures(value)
            for name in settings.engines:
                directory = workdir / f"scale-{value:g}" / name
                directory.mkdir(parents=True, exist_ok=True)
                engine: BenchEngine = (
                    DuckDbEngine(directory)
                    if name == "duckdb"
                    else PostgresEngine(server, directory)  # type: ignore[arg-type]
                )
                scale.engines.append(bench_engine(engine, settings, scale, directory))
            scale.load_average = " ".join(f"{x:.2f}" for x in os.getloadavg())
            scales.append(scale)
            print(report.format_scale_text(scale, settings.repeats), file=out, flush=True)
            _write_outputs(settings, run, machine, scales)
        if settings.keep or settings.workdir is not None:
            _progress(f"files kept in {workdir}")
    return scales


def _remove_unless_failed(workdir: Path, scales: list[ScaleFigures]) -> None:
    if any(e.error for s in scales for e in s.engines):
        _progress(f"a step failed: its logs are kept in {workdir}")
        return
    shutil.rmtree(workdir, ignore_errors=True)


def _run_description(settings: Settings, workdir: Path) -> dict[str, Any]:
    checkout = settings.checkout
    build = "the nightly job" if checkout.builder == "job" else "dbt build"
    title = (
        f"ledger benchmark {datetime.now(UTC):%Y-%m-%d %H:%M} UTC: models of {checkout.root} "
        f"({checkout.commit() or 'no git'}), built by {build}; demo data seed {settings.seed}; "
        f"reads: median of {plural(settings.repeats, 'run')} after 1 warm-up run "
        f"(1 run when over {settings.once_over_s:g} s)"
    )
    return {
        "title": title,
        "project_dir": str(checkout.root),
        "commit": checkout.commit(),
        "build": checkout.builder,
        "seed": settings.seed,
        "repeats": settings.repeats,
        "warmup": "each read runs once before the timed runs; that run is warmup_s, "
        "not part of median_s, unless it took longer than once_over_s: then it is the only "
        "run, runs_s is empty and median_s is that run",
        "once_over_s": settings.once_over_s,
        "pg_options": settings.pg_options,
        "scales": settings.scales,
        "engines": settings.engines,
        "workdir": str(workdir),
        "model_schema": MODEL_SCHEMA,
    }


def main(argv: Sequence[str] | None = None) -> int:
    settings = parse_args(argv)
    # SIGTERM unwinds like Ctrl-C: the running child is stopped, the throwaway server removed.
    raise_on_signals(signal.SIGTERM)
    try:
        scales = run_benchmark(settings)
    except BenchmarkError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    # Figures of a failed step mean nothing; say so by the exit code too.
    return 1 if any(e.error for s in scales for e in s.engines) else 0
