"""The suite's warm dbt (warm_dbt.py) must be indistinguishable from a dbt process.

The job's tests stop dbt with signals, read its streams and exit codes, and look for it in
/proc: if the warm client answered differently from `.venv/bin/dbt`, those tests would test
the wrong thing. A server of its own, so that these run whatever LEDGER_TEST_COLD_DBT says.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import warm_dbt

from ledger_job.paths import PROJECT_ROOT

COLD_DBT = PROJECT_ROOT / ".venv" / "bin" / "dbt"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with warm_dbt.warm_dbt(tmp_path_factory.mktemp("own_warm_dbt"), force=True) as started:
        assert started is not None
        yield started


def run(dbt: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, DBT_PROFILES_DIR=str(cwd), DBT_USE_COLORS="false")
    return subprocess.run(
        [str(dbt), *args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )


def test_exit_code_streams_environment_and_cwd_are_the_callers(
    client: Path, tmp_path: Path
) -> None:
    for args in (("no-such-command",), ("debug", "--config-dir")):
        warm, cold = run(client, *args, cwd=tmp_path), run(COLD_DBT, *args, cwd=tmp_path)
        assert (warm.returncode, warm.stdout != "", warm.stderr != "") == (
            cold.returncode,
            cold.stdout != "",
            cold.stderr != "",
        ), (warm, cold)
    assert warm.returncode == 0 and f"open {tmp_path}" in warm.stdout  # the caller's env
    usage = run(client, "no-such-command", cwd=tmp_path)
    assert usage.returncode == 2 and "No such command 'no-such-command'" in usage.stderr


def _started_command(client: Path, marker: str) -> int:
    """The pid of the command the server forked for the client whose arguments hold `marker`."""
    journal = client.with_name(warm_dbt.JOURNAL)
    for _ in range(600):
        lines = journal.read_text().splitlines() if journal.exists() else []
        pids = [int(line.split()[0]) for line in lines if marker in line]
        if pids:
            return pids[-1]
        time.sleep(0.05)
    raise AssertionError(f"no command with {marker} in {journal}")


def _gone(pid: int) -> bool:
    for _ in range(200):
        if not Path(f"/proc/{pid}").exists():
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL])
def test_a_signal_to_the_client_ends_the_command_too(
    client: Path, tmp_path: Path, signum: int
) -> None:
    # `docs serve` runs until it is stopped: a command still running when the signal comes.
    marker = f"--target-path={tmp_path}"
    process = subprocess.Popen(
        [str(client), "docs", "serve", marker, "--no-browser", "--port", "0"],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        serving = any("Press Ctrl+C to exit" in line for line in process.stdout)  # or it ended
        command = _started_command(client, marker)
        process.send_signal(signum)
        returncode = process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert serving
    assert returncode == -signum  # killed by it, as dbt itself would be
    assert _gone(command), f"the command (pid {command}) outlived its client"
