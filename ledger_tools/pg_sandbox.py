"""Run a command with a PostgreSQL available, as `make test` needs (spec section 6).

Order of preference: the server named by BILLING_DB_* when BILLING_DB_HOST is set; else a
throwaway server of our own, when PostgreSQL server binaries are installed; else the command
runs with LEDGER_POSTGRES_SKIPPED=1 after a loud banner. CI sets LEDGER_REQUIRE_POSTGRES=1 so
that the last case fails instead: a suite that silently did not run must never look green.
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import psycopg

from ledger_job.process import Terminated, raise_on_signals, stop_process
from ledger_tools.pg_settings import PostgresSettings

HOST_ENV = "BILLING_DB_HOST"
REQUIRE_ENV = "LEDGER_REQUIRE_POSTGRES"
SKIPPED_ENV = "LEDGER_POSTGRES_SKIPPED"
# Replaces the binary search path; tests point it at an empty directory to stand for
# "nothing installed" without mocking anything.
SEARCH_ENV = "LEDGER_PG_SEARCH_PATH"
DEFAULT_SEARCH_GLOBS: tuple[str, ...] = ("/usr/lib/postgresql/*/bin",)
MIN_MAJOR = 15  # the oldest PostgreSQL the ledger supports
SERVER_TOOLS = ("initdb", "pg_ctl", "postgres")
# initdb refuses to run as root; this system user owns the throwaway cluster instead.
SERVER_OS_USER = "postgres"
DB_USER = "ledger"
DB_NAME = "ledger_test"
EXIT_NO_POSTGRES = 3
MARKER = "postgres suite:"


class SandboxError(RuntimeError):
    """PostgreSQL binaries exist but no usable server could be made from them."""


@dataclass(frozen=True)
class ServerBinaries:
    bindir: Path
    version: tuple[int, int]

    @property
    def label(self) -> str:
        return f"PostgreSQL {self.version[0]}.{self.version[1]} from {self.bindir}"


def search_dirs(search: str | None = None) -> list[Path]:
    """Directories to look for server binaries in: `search` (os.pathsep list, globs allowed),
    else $LEDGER_PG_SEARCH_PATH, else $PATH and the Debian/Ubuntu versioned directories."""
    spec = search if search is not None else os.environ.get(SEARCH_ENV)
    if spec is not None:
        patterns = [p for p in spec.split(os.pathsep) if p]
    else:
        path_dirs = [p for p in os.environ.get("PATH", "").split(os.pathsep) if p]
        patterns = [*path_dirs, *DEFAULT_SEARCH_GLOBS]
    dirs: list[Path] = []
    for pattern in patterns:
        matches = sorted(glob.glob(pattern)) if glob.has_magic(pattern) else [pattern]
        dirs.extend(Path(m) for m in matches if Path(m).is_dir())
    return dirs


def _version(pg_ctl: Path) -> tuple[int, int] | None:
    try:
        out = subprocess.run(
            [str(pg_ctl), "--version"], capture_output=True, text=True, timeout=30, check=False
        ).stdout
    except OSError:
        return None
    match = re.search(r"\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?", out)
    return (int(match[1]), int(match[2] or 0)) if match else None


def find_server(search: str | None = None) -> tuple[ServerBinaries | None, str]:
    """The newest PostgreSQL MIN_MAJOR+ server installation, or None and why not."""
    dirs = search_dirs(search)
    found: dict[Path, tuple[int, int]] = {}
    for directory in dirs:
        if not all((directory / tool).is_file() for tool in ("initdb", "pg_ctl")):
            continue
        # Symlinks on PATH (e.g. /usr/local/bin/pg_ctl) lead to the real versioned directory,
        # where pg_ctl also finds its `postgres`.
        bindir = (directory / "pg_ctl").resolve().parent
        if bindir in found or not all((bindir / tool).is_file() for tool in SERVER_TOOLS):
            continue
        version = _version(bindir / "pg_ctl")
        if version:
            found[bindir] = version
    usable = {d: v for d, v in found.items() if v[0] >= MIN_MAJOR}
    if usable:
        bindir = max(usable, key=lambda d: usable[d])
        return ServerBinaries(bindir, usable[bindir]), ""
    searched = ", ".join(str(d) for d in dirs) or "(no existing directory)"
    if found:
        old = ", ".join(f"{v[0]}.{v[1]} in {d}" for d, v in found.items())
        return None, f"only PostgreSQL {old} found; the ledger needs {MIN_MAJOR}+"
    return None, f"no PostgreSQL server binaries (initdb, pg_ctl, postgres) in: {searched}"


def free_port() -> int:
    """A TCP port nobody listens on right now; the caller retries if it is taken meanwhile."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        if port != 5432:  # never look like, or collide with, a real default server
            return port


def _server_owner() -> pwd.struct_passwd | None:
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(SERVER_OS_USER)
    except KeyError:
        raise SandboxError(
            f"running as root, initdb refuses root and there is no '{SERVER_OS_USER}' user "
            "to run the throwaway server as"
        ) from None


def _temp_parent(owner: pwd.struct_passwd | None) -> str | None:
    # The server user must be able to reach its data directory; a private TMPDIR of root's
    # would stop it, so fall back to /tmp then.
    default = Path(tempfile.gettempdir()).resolve()
    if owner is None or all(p.stat().st_mode & 0o001 for p in (default, *default.parents)):
        return None
    return "/tmp"


class _Cluster:
    """One throwaway cluster in a temp directory, run as the server owner when root."""

    def __init__(self, binaries: ServerBinaries) -> None:
        self.binaries = binaries
        self.owner = _server_owner()
        self.root = Path(tempfile.mkdtemp(prefix="ledger-pg-", dir=_temp_parent(self.owner)))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        if self.owner:
            os.chown(self.root, self.owner.pw_uid, self.owner.pw_gid)

    def run(self, *args: str, new_session: bool = False) -> subprocess.CompletedProcess[str]:
        as_owner: dict[str, object] = {}
        if self.owner:
            as_owner = {"user": self.owner.pw_uid, "group": self.owner.pw_gid, "extra_groups": []}
        # PG* variables of the caller (PGDATA, PGPORT…) must not redirect the throwaway server.
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")} | {"LC_ALL": "C"}
        return subprocess.run(
            [str(self.binaries.bindir / args[0]), *args[1:]],
            cwd=self.root,  # the server user may not be allowed into the caller's cwd
            env=env,
            capture_output=True,
            text=True,
            check=False,
            start_new_session=new_session,
            **as_owner,  # type: ignore[arg-type]
        )

    def log_tail(self) -> str:
        # The log is removed with the cluster, so errors quote it rather than point at it.
        return self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""

    def _check(self, result: subprocess.CompletedProcess[str], what: str) -> None:
        if result.returncode != 0:
            output = result.stdout + result.stderr
            raise SandboxError(f"{what} failed:\n{output}{self.log_tail()}")

    def init(self, password: str) -> None:
        pwfile = self.root / "pwfile"
        pwfile.write_text(password + "\n")
        pwfile.chmod(0o600)
        if self.owner:
            os.chown(pwfile, self.owner.pw_uid, self.owner.pw_gid)
        result = self.run(
            "initdb",
            f"--pgdata={self.data}",
            f"--username={DB_USER}",
            f"--pwfile={pwfile}",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        )
        pwfile.unlink()
        self._check(result, "initdb")

    def start(self, port: int) -> bool:
        # Later settings win in postgresql.conf, so a retry on another port just appends.
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(port),
            "unix_socket_directories": "'{}'".format(str(self.root).replace("'", "''")),
            # A throwaway cluster needs no crash safety; these make the suite faster.
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
        }
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())
        # A new session keeps a Ctrl-C at the terminal away from the server: it is stopped in
        # order by stop(), after the command.
        args = ("pg_ctl", "start", "-w", "-t", "60", "-D", str(self.data), "-l", str(self.log))
        self.log.unlink(missing_ok=True)  # "could not bind" must come from this attempt
        result = self.run(*args, new_session=True)
        if result.returncode != 0 and "could not bind" in self.log_tail():
            return False
        self._check(result, "pg_ctl start")
        return True

    def stop(self) -> None:
        if not (self.data / "postmaster.pid").exists():
            return
        stop = ("pg_ctl", "stop", "-w", "-t", "30", "-D", str(self.data))
        if self.run(*stop, "-m", "fast").returncode == 0:
            return
        if self.run(*stop, "-m", "immediate").returncode == 0:
            return
        # A server left running on a deleted data dir would hold its port until reboot.
        with contextlib.suppress(OSError, ValueError, IndexError):
            pid = int((self.data / "postmaster.pid").read_text().splitlines()[0])
            os.kill(pid, signal.SIGKILL)

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


@contextlib.contextmanager
def throwaway_server(binaries: ServerBinaries, attempts: int = 3) -> Iterator[PostgresSettings]:
    """A fresh server on a free loopback port with one empty database; gone afterwards."""
    cluster = _Cluster(binaries)
    try:
        password = secrets.token_urlsafe(18)
        cluster.init(password)
        for _ in range(attempts):
            port = free_port()
            if cluster.start(port):
                break
        else:
            raise SandboxError(f"no free port after {attempts} attempts:\n{cluster.log_tail()}")
        conn = PostgresSettings("127.0.0.1", port, DB_USER, DB_NAME, password)
        with replace(conn, dbname="postgres").connect(connect_timeout=10) as admin:
            admin.execute(f'create database "{DB_NAME}"')
        yield conn
    finally:
        try:
            cluster.stop()
        finally:
            cluster.remove()


def _say(*lines: str) -> None:
    # Diagnostics go to stderr so that the command's own stdout stays clean.
    print(*lines, sep="\n", file=sys.stderr, flush=True)


def _skip_banner(reason: str) -> None:
    rule = "=" * 78
    _say(
        rule,
        "!!  POSTGRESQL SUITE SKIPPED  !!",
        f"{HOST_ENV} is not set and no PostgreSQL server is installed to start one:",
        f"  {reason}",
        "The dbt build and tests on PostgreSQL do NOT run in this session.",
        f"Install PostgreSQL {MIN_MAJOR}+ server binaries (e.g. postgresql-{MIN_MAJOR}) or set",
        "BILLING_DB_HOST/PORT/USER/PASSWORD/NAME to a server you may write to.",
        f"CI sets {REQUIRE_ENV}=1, which turns this skip into a failure.",
        rule,
        f"{MARKER} SKIPPED ({reason})",
    )


def _reap(proc: subprocess.Popen[bytes], patience: float) -> None:
    """Wait `patience` seconds for `proc` to end on its own, then terminate, then kill it."""
    try:
        proc.wait(timeout=patience)
    except subprocess.TimeoutExpired:
        stop_process(proc, grace=10.0)


def run_command(command: Sequence[str], env: dict[str, str]) -> int:
    """Run `command`; its exit code, shell style (128+N when killed by signal N)."""
    try:
        proc = subprocess.Popen(list(command), env=env)
    except OSError as exc:
        _say(f"{MARKER} cannot run {command[0]!r}: {exc}")
        return 127
    try:
        code = proc.wait()
    except Terminated:
        _reap(proc, patience=0)
        raise
    except BaseException:
        # A Ctrl-C at the terminal reached the command too; give it time to finish in
        # order before the server under it is stopped.
        _reap(proc, patience=10)
        raise
    return 128 - code if code < 0 else code


def with_postgres(command: Sequence[str]) -> int:
    env = dict(os.environ)
    env.pop(SKIPPED_ENV, None)
    if env.get(HOST_ENV):
        port = env.get("BILLING_DB_PORT") or "5432"
        _say(f"{MARKER} server from BILLING_DB_* at {env[HOST_ENV]}:{port}")
        return run_command(command, env)

    binaries, reason = find_server()
    if binaries is None:
        if env.get(REQUIRE_ENV) == "1":
            _say(
                f"{MARKER} FAILED: {REQUIRE_ENV}=1 but {HOST_ENV} is not set and {reason}.",
                f"Set BILLING_DB_* or install PostgreSQL {MIN_MAJOR}+ server binaries.",
            )
            return EXIT_NO_POSTGRES
        _skip_banner(reason)
        return run_command(command, env | {SKIPPED_ENV: "1"})

    code: int | None = None
    try:
        with throwaway_server(binaries) as conn:
            _say(f"{MARKER} server throwaway ({binaries.label}) at {conn.host}:{conn.port}")
            code = run_command(command, env | conn.env())
    except (SandboxError, psycopg.Error, OSError) as exc:
        step = "start" if code is None else "stop or remove"
        _say(f"{MARKER} FAILED to {step} the throwaway server ({binaries.label}):", str(exc))
        return code or EXIT_NO_POSTGRES
    _say(f"{MARKER} throwaway server stopped and removed")
    return code


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="with_test_postgres.py",
        usage="%(prog)s -- COMMAND [ARG ...]",
        description="Run COMMAND with BILLING_DB_* naming a PostgreSQL server (spec section 6); "
        f"server binaries from ${SEARCH_ENV}, else $PATH and {DEFAULT_SEARCH_GLOBS[0]}.",
    )
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command given")
    # SIGTERM unwinds like Ctrl-C: the server is stopped and its data directory removed.
    raise_on_signals(signal.SIGTERM)
    try:
        return with_postgres(command)
    except KeyboardInterrupt as exc:
        _say(f"{MARKER} interrupted; throwaway server (if any) stopped and removed")
        return 128 + (exc.signum if isinstance(exc, Terminated) else signal.SIGINT)
