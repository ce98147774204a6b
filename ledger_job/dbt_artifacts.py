"""dbt's artefacts of a build: run_results.json and manifest.json, read defensively.

Every dbt command rewrites run_results.json, and a build that breaks while parsing leaves
the previous one behind, so results are only trusted when their invocation id is the
build's. Counts of a build without results are unknown (None), never zero: a heartbeat
saying "0 tests failed" about a build that ran no test would be a lie.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TEST_TYPES = frozenset({"test", "unit_test"})
FAILED_STATUSES = frozenset({"error", "fail", "runtime error"})

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class NodeResult:
    """One node of run_results.json, with its name looked up in the manifest."""

    unique_id: str
    name: str
    resource_type: str
    status: str
    message: str | None = None
    # What the node tests ("model int_calls_priced", "source billing.x"), when known.
    tested: str | None = None
    failures: int | None = None
    # The file that declares the node (models/..._models.yml for a test), when known.
    path: str | None = None


# The header the on-run-end macro log_test_failures prints before a test's rows.
PRINTED_HEADER = re.compile(
    r"^(?P<status>FAIL|WARN) (?P<test>\S+): (?P<failures>\d+) offending row\(s\)"
    r"(?: in (?P<relation>.+?))?, stored in (?P<stored>.+)$"
)


@dataclass
class PrintedFailure:
    """One failing or warning test as log_test_failures printed it: header, first row."""

    status: str
    test: str
    failures: int
    relation: str | None
    stored_in: str
    first_row: str | None = None
    rows_printed: int = 0

    @classmethod
    def from_header(cls, line: str) -> PrintedFailure | None:
        found = PRINTED_HEADER.match(line.strip())
        if found is None:
            return None
        status, test, failures, relation, stored_in = found.groups()
        return cls(status, test, int(failures), relation, stored_in)


@dataclass
class BuildSummary:
    """Outcome of `dbt build`: exit code, invocation id and per-node results.

    `results` is None when dbt wrote no run_results.json for this invocation (e.g. it
    failed while parsing the project); counts are then unknown rather than zero.
    """

    returncode: int
    invocation_id: str | None
    results: list[NodeResult] | None
    error: str | None = None
    # Test name -> what log_test_failures printed about it.
    printed: dict[str, PrintedFailure] = field(default_factory=dict)

    def _count(self, types: frozenset[str], statuses: frozenset[str]) -> int | None:
        if self.results is None:
            return None
        return sum(1 for r in self.results if r.resource_type in types and r.status in statuses)

    def counts(self) -> dict[str, int | None]:
        """The counts of the heartbeat."""
        models = frozenset({"model"})
        return {
            "models_built": self._count(models, frozenset({"success"})),
            "models_failed": self._count(models, FAILED_STATUSES),
            "tests_passed": self._count(TEST_TYPES, frozenset({"pass"})),
            "tests_failed": self._count(TEST_TYPES, FAILED_STATUSES),
            "tests_warned": self._count(TEST_TYPES, frozenset({"warn"})),
            "nodes_skipped": self._count(
                frozenset({"model", "seed", "snapshot", "test", "unit_test"}),
                frozenset({"skipped"}),
            ),
        }

    def failing_tests(self) -> list[str]:
        return self._test_names(FAILED_STATUSES)

    def warning_tests(self) -> list[str]:
        return self._test_names(frozenset({"warn"}))

    def _test_names(self, statuses: frozenset[str]) -> list[str]:
        results = self.results or []
        return sorted(
            {r.name for r in results if r.resource_type in TEST_TYPES and r.status in statuses}
        )

    def failed_nodes(self) -> list[str]:
        """Unique ids of every node that errored or failed (models, seeds, tests...)."""
        return sorted(r.unique_id for r in self.results or [] if r.status in FAILED_STATUSES)

    def status_of(self, name: str) -> str | None:
        """Status of the node called `name` (e.g. a singular test), None if it did not run."""
        return next((r.status for r in self.results or [] if r.name == name), None)


def load_json(path: Path) -> dict[str, Any] | None:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    return document if isinstance(document, dict) else None


def _fallback_name(unique_id: str) -> str:
    parts = unique_id.split(".")
    if parts[0] == "unit_test":
        return parts[-1]
    return parts[2] if len(parts) > 2 else unique_id


def _tested_relation(node: dict[str, Any], nodes: dict[str, Any]) -> str | None:
    """`model X` or `source a.b` a test is attached to, from the manifest."""
    attached = node.get("attached_node")
    candidates = [attached] if attached else []
    parents = list((node.get("depends_on") or {}).get("nodes") or [])
    if not candidates and node.get("resource_type") == "test" and len(parents) == 1:
        candidates = parents
    for unique_id in candidates:
        parent = nodes.get(unique_id) or {}
        kind = unique_id.split(".")[0]
        if kind == "source" and parent:
            return f"source {parent.get('source_name')}.{parent.get('name')}"
        return f"{kind} {parent.get('name') or _fallback_name(unique_id)}"
    return None


def read_run_results(
    run_results: Path, manifest: Path, invocation_id: str | None
) -> list[NodeResult] | None:
    """Node results of run_results.json, if it belongs to `invocation_id`.

    Any dbt command rewrites that file, and a build that fails while parsing leaves the
    previous one in place: reading it blindly would report another run's results.
    """
    document = load_json(run_results)
    if document is None:
        return None
    written_by = document.get("metadata", {}).get("invocation_id")
    if invocation_id is None or written_by != invocation_id:
        log.warning(
            "%s is not from this build (invocation %s); ignoring it", run_results, written_by
        )
        return None
    nodes: dict[str, Any] = {}
    manifest_doc = load_json(manifest) or {}
    for section in ("nodes", "unit_tests", "sources"):
        nodes.update(manifest_doc.get(section) or {})
    results = []
    for item in document.get("results", []):
        unique_id = str(item.get("unique_id", ""))
        node = nodes.get(unique_id, {})
        results.append(
            NodeResult(
                unique_id=unique_id,
                name=str(node.get("name") or _fallback_name(unique_id)),
                resource_type=str(node.get("resource_type") or unique_id.split(".")[0]),
                status=str(item.get("status", "")),
                message=item.get("message"),
                tested=_tested_relation(node, nodes),
                failures=item.get("failures"),
                path=node.get("original_file_path"),
            )
        )
    return results


def relation_names(manifest: Path) -> dict[str, str]:
    """Model name -> schema-qualified relation; sources as "<source>.<table>" too.

    Taken from the manifest so investigation SQL names exactly what dbt built, whatever
    schema naming the target applies.
    """
    document = load_json(manifest) or {}
    project = document.get("metadata", {}).get("project_name")
    names: dict[str, str] = {}
    for node in (document.get("nodes") or {}).values():
        relation = node.get("relation_name")
        # The project's own models win over a package model of the same name.
        if (
            node.get("resource_type") in ("model", "seed")
            and relation
            and (node.get("name") not in names or node.get("package_name") == project)
        ):
            names[node["name"]] = relation
    for source in (document.get("sources") or {}).values():
        if source.get("relation_name"):
            names[f"{source['source_name']}.{source['name']}"] = source["relation_name"]
    return names
