"""with_test_postgres: a real throwaway server, the BILLING_DB_* path, the skip and the CI failure.

"No PostgreSQL installed" is staged by pointing the binary search at an empty directory, so
the code under test runs unchanged.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ledger_job.paths import PROJECT_ROOT
from ledger_tools.pg_sandbox import (
    EXIT_NO_POSTGRES,
    MIN_MAJOR,
    REQUIRE_ENV,
    SEARCH_ENV,
    SKIPPED_ENV,
    ServerBinaries,
    find_server,
)

SCRIPT = PROJECT_ROOT / "scripts" / "with_test_postgres.py"
OUTER_VARS = ("BILLING_DB_", "LEDGER_REQUIRE_POSTGRES", SKIPPED_ENV, SEARCH_ENV)

# Connects with exactly what the wrapper exported, reports what it saw, exits with argv[1].
CONNECT = """
import json, os, sys
import psycopg

e = os.environ
with psycopg.connect(
    host=e["BILLING_DB_HOST"], port=e["BILLING_DB_PORT"], user=e["BILLING_DB_USER"],
    password=e["BILLING_DB_PASSWORD"], dbname=e["BILLING_DB_NAME"], connect_timeout=10,
) as conn:
    version, data_dir, db = conn.execute(
        "select version(), current_setting('data_directory'), current_database()"
    ).fetchone()
print(json.dumps({
    "version": version, "data_directory": data_dir, "database": db,
    "host": e["BILLING_DB_HOST"], "port": int(e["BILLING_DB_PORT"]),
    "skipped": e.get("LEDGER_POSTGRES_SKIPPED"),
}))
sys.exit(int(sys.argv[1]))
"""

# Prints the PostgreSQL-related environment the command was given.
SHOW_ENV = """
import json, os, sys
keys = ("BILLING_DB_HOST", "BILLING_DB_PORT", "LEDGER_POSTGRES_SKIPPED")
print(json.dumps({k: os.environ.get(k) for k in keys}))
sys.exit(int(sys.argv[1]))
"""


def clean_env(**extra: str) -> dict[str, str]:
    """The caller's environment without any PostgreSQL choice an outer `make test` made."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(OUTER_VARS)}
    return env | extra


def wrap(
    code: str, exit_code: int = 0, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, str(SCRIPT), "--", sys.executable, "-c", code, str(exit_code)]
    return subprocess.run(
        command, capture_output=True, text=True, env=env or clean_env(), timeout=180, check=False
    )


def report(result: subprocess.CompletedProcess[str]) -> dict[str, object]:
    return json.loads(result.stdout.strip().splitlines()[-1])


def port_is_free(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except ConnectionRefusedError:
        return True
    return False


@pytest.fixture
def empty_dir(tmp_path: Path) -> Path:
    path = tmp_path / "no-postgres-here"
    path.mkdir()
    return path


@pytest.fixture
def installed(monkeypatch: pytest.MonkeyPatch) -> ServerBinaries:
    monkeypatch.delenv(SEARCH_ENV, raising=False)
    binaries, reason = find_server()
    if binaries is None:
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"{REQUIRE_ENV}=1 but {reason}")
        pytest.skip(reason)
    return binaries


def fake_install(root: Path, version: str) -> Path:
    """A bin directory whose tools report `version`, as an installed PostgreSQL's would."""
    bindir = root / version / "bin"
    bindir.mkdir(parents=True)
    for tool in ("initdb", "pg_ctl", "postgres"):
        script = bindir / tool
        script.write_text(f'#!/bin/sh\necho "{tool} (PostgreSQL) {version}"\n')
        script.chmod(0o755)
    return bindir


def test_search_finds_nothing_in_an_empty_dir(empty_dir: Path) -> None:
    binaries, reason = find_server(str(empty_dir))
    assert binaries is None
    assert str(empty_dir) in reason


def test_search_takes_the_newest_supported_version(tmp_path: Path) -> None:
    for version in ("14.9", "15.4", "16.2"):
        fake_install(tmp_path, version)
    binaries, _ = find_server(str(tmp_path / "*" / "bin"))
    assert binaries is not None
    assert binaries.version == (16, 2)
    assert binaries.bindir == (tmp_path / "16.2" / "bin").resolve()


def test_search_rejects_versions_the_ledger_does_not_support(tmp_path: Path) -> None:
    fake_install(tmp_path, "14.9")
    binaries, reason = find_server(str(tmp_path / "*" / "bin"))
    assert binaries is None
    assert f"needs {MIN_MAJOR}+" in reason


def test_search_follows_symlinks_on_path(tmp_path: Path) -> None:
    real = fake_install(tmp_path, "15.4")
    on_path = tmp_path / "local-bin"
    on_path.mkdir()
    for tool in ("initdb", "pg_ctl"):
        (on_path / tool).symlink_to(real / tool)
    binaries, _ = find_server(str(on_path))
    assert binaries is not None and binaries.bindir == real.resolve()


def test_throwaway_server_serves_the_command_and_is_removed(installed: ServerBinaries) -> None:
    result = wrap(CONNECT, env=clean_env(**{SKIPPED_ENV: "1"}))
    assert result.returncode == 0, result.stderr
    seen = report(result)
    assert str(seen["version"]).startswith(f"PostgreSQL {installed.version[0]}.")
    assert seen["host"] == "127.0.0.1"
    assert seen["port"] != 5432
    assert seen["database"] == "ledger_test"
    assert seen["skipped"] is None  # a skip inherited from outside must not leak in
    assert f"postgres suite: server throwaway (PostgreSQL {installed.version[0]}." in result.stderr
    assert f"at 127.0.0.1:{seen['port']}" in result.stderr
    data_dir = Path(str(seen["data_directory"]))
    assert not data_dir.exists() and not data_dir.parent.exists()
    assert port_is_free(int(str(seen["port"])))


def test_failing_command_exit_code_passes_through(installed: ServerBinaries) -> None:
    result = wrap(CONNECT, exit_code=7)
    assert result.returncode == 7, result.stderr
    seen = report(result)
    assert not Path(str(seen["data_directory"])).parent.exists()
    assert port_is_free(int(str(seen["port"])))


def test_sigterm_stops_the_server_and_removes_it(installed: ServerBinaries) -> None:
    code = CONNECT.replace("sys.exit(int(sys.argv[1]))", "sys.stdout.flush(); time.sleep(60)")
    code = code.replace("import json, os, sys", "import json, os, sys, time")
    command = [sys.executable, str(SCRIPT), "--", sys.executable, "-c", code, "0"]
    proc = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=clean_env()
    )
    assert proc.stdout is not None
    seen = json.loads(proc.stdout.readline())
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM, stderr
    assert time.monotonic() - started < 30
    assert not Path(str(seen["data_directory"])).parent.exists()
    assert port_is_free(int(str(seen["port"])))


def test_billing_db_host_is_used_as_is(installed: ServerBinaries) -> None:
    env = clean_env(BILLING_DB_HOST="billing.invalid", BILLING_DB_PORT="6543")
    result = wrap(SHOW_ENV, exit_code=4, env=env)
    assert result.returncode == 4
    assert report(result) == {
        "BILLING_DB_HOST": "billing.invalid",
        "BILLING_DB_PORT": "6543",
        "LEDGER_POSTGRES_SKIPPED": None,
    }
    assert "postgres suite: server from BILLING_DB_* at billing.invalid:6543" in result.stderr
    assert "throwaway" not in result.stderr


def test_billing_db_host_satisfies_ci_without_binaries(empty_dir: Path) -> None:
    env = clean_env(BILLING_DB_HOST="billing.invalid", **{SEARCH_ENV: str(empty_dir)})
    result = wrap(SHOW_ENV, env=env | {REQUIRE_ENV: "1"})
    assert result.returncode == 0, result.stderr


def test_no_binaries_skips_loudly(empty_dir: Path) -> None:
    result = wrap(SHOW_ENV, exit_code=5, env=clean_env(**{SEARCH_ENV: str(empty_dir)}))
    assert result.returncode == 5
    assert report(result)["LEDGER_POSTGRES_SKIPPED"] == "1"
    assert "POSTGRESQL SUITE SKIPPED" in result.stderr
    assert str(empty_dir) in result.stderr
    assert "postgres suite: SKIPPED" in result.stderr


def test_no_binaries_fails_when_ci_requires_postgres(empty_dir: Path) -> None:
    ran = empty_dir.parent / "ran"
    env = clean_env(**{SEARCH_ENV: str(empty_dir), REQUIRE_ENV: "1"})
    code = f"open({str(ran)!r}, 'w').close()"
    result = wrap(code, env=env)
    assert result.returncode == EXIT_NO_POSTGRES
    assert not ran.exists()
    assert f"{REQUIRE_ENV}=1" in result.stderr
    assert "SKIPPED" not in result.stderr


def test_a_server_that_cannot_start_fails_without_running_the_command(tmp_path: Path) -> None:
    broken = fake_install(tmp_path, "16.1")
    (broken / "initdb").write_text('#!/bin/sh\necho "initdb: simulated failure" >&2\nexit 1\n')
    ran = tmp_path / "ran"
    env = clean_env(**{SEARCH_ENV: str(broken)})
    result = wrap(f"open({str(ran)!r}, 'w').close()", env=env)
    assert result.returncode == EXIT_NO_POSTGRES
    assert "FAILED to start the throwaway server (PostgreSQL 16.1" in result.stderr
    assert not ran.exists()


def test_command_is_required() -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT)], capture_output=True, text=True, env=clean_env(), check=False
    )
    assert result.returncode == 2
    assert "no command given" in result.stderr
