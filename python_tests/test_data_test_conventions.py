"""The project's data tests print the rows they fail on, keys included.

dbt's built-in accepted_values keeps only the unexpected value and its count, and its
relationships only the dangling value: neither says which row is bad. The project uses
accepted_values_rows and relationships_rows instead (macros/tests); this keeps it so.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from ledger_job.paths import PROJECT_ROOT

NAMELESS = {"accepted_values", "relationships"}
YAML_DIRS = ("models", "seeds", "snapshots")


def _tests_in(node: Any) -> Iterator[str]:
    """Names of every generic test anywhere under a parsed properties file."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("data_tests", "tests") and isinstance(value, list):
                for test in value:
                    yield test if isinstance(test, str) else next(iter(test))
            else:
                yield from _tests_in(value)
    elif isinstance(node, list):
        for item in node:
            yield from _tests_in(item)


def _properties_files() -> list[Path]:
    return sorted(p for d in YAML_DIRS for p in (PROJECT_ROOT / d).rglob("*.yml"))


def test_no_data_test_keeps_only_the_bad_value() -> None:
    used = {
        path.relative_to(PROJECT_ROOT).as_posix(): set(_tests_in(yaml.safe_load(path.read_text())))
        for path in _properties_files()
    }
    assert sum(len(names) for names in used.values()) > 10  # the walk finds tests at all
    offending = {path: sorted(names & NAMELESS) for path, names in used.items() if names & NAMELESS}
    assert offending == {}


def test_the_row_returning_versions_are_used() -> None:
    used = set().union(*(_tests_in(yaml.safe_load(p.read_text())) for p in _properties_files()))
    assert {"accepted_values_rows", "relationships_rows", "not_in_the_future"} <= used


def _unit_test_names(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for test in node.get("unit_tests") or []:
            yield test["name"]


def test_unit_test_names_fit_a_postgres_identifier() -> None:
    # dbt names a unit test's temporary relation after the test; PostgreSQL refuses names
    # over 63 bytes, and only a PostgreSQL run would say so.
    names = [
        n for p in _properties_files() for n in _unit_test_names(yaml.safe_load(p.read_text()))
    ]
    assert len(names) > 10  # the walk finds unit tests at all
    assert [n for n in names if len(n.encode()) > 63] == []
