"""What the figures were measured on: without it they mean nothing."""

from __future__ import annotations

import os
import platform
from pathlib import Path

from ledger_tools.benchmark.engines import PostgresServer


def _first_value(path: str, key: str) -> str | None:
    try:
        lines = Path(path).read_text(errors="replace").splitlines()
    except OSError:
        return None
    for line in lines:
        name, sep, value = line.partition(":") if ":" in line else line.partition("=")
        if sep and name.strip() == key:
            return value.strip().strip('"')
    return None


def describe_machine(
    versions: dict[str, str], postgres: PostgresServer | None = None
) -> dict[str, str]:
    """Machine, OS and software versions, as short text values."""
    memory_kb = _first_value("/proc/meminfo", "MemTotal")
    machine = {
        "cpu": _first_value("/proc/cpuinfo", "model name") or platform.processor() or "unknown",
        "cores": str(os.cpu_count() or "unknown"),
        "ram": f"{int(memory_kb.split()[0]) / 2**20:.1f} GiB" if memory_kb else "unknown",
        "os": _first_value("/etc/os-release", "PRETTY_NAME") or platform.system(),
        "kernel": platform.release(),
        # Other work on the machine skews every figure; the header says how busy it was.
        "load_average": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "python": platform.python_version(),
        **versions,
    }
    if postgres is not None:
        parameters = ", ".join(f"{k} {v}" for k, v in postgres.parameters.items())
        options = f"; sessions with {postgres.options}" if postgres.options else ""
        machine["postgresql"] = f"{postgres.version} ({postgres.origin}; {parameters}{options})"
    return machine


def machine_line(machine: dict[str, str]) -> str:
    software = ", ".join(
        f"{name} {machine[name]}"
        for name in ("python", "dbt-core", "dbt-duckdb", "dbt-postgres", "duckdb")
        if name in machine
    )
    line = (
        f"machine: {machine['cpu']}, {machine['cores']} cores, {machine['ram']} RAM; "
        f"{machine['os']} (kernel {machine['kernel']}); load average at start "
        f"{machine['load_average']}; {software}"
    )
    if "postgresql" in machine:
        line += f"; PostgreSQL {machine['postgresql']}"
    return line
