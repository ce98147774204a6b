"""A build's outcome from dbt's run_results.json and manifest.json, and its cause in one line.

Results count only when their invocation id is the build's (a build that breaks while parsing
leaves an older file); without them counts are None, never 0: "0 tests failed" would be a lie.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TEST_TYPES = frozenset({"test", "unit_test"})
FAILED_STATUSES = frozenset({"error", "fail", "runtime error"})
_NAMED_OTHERS = 3  # failing nodes named after the first one's "+N more"
_ROW_EXCERPT = 240
_VERBS = {"fail": "failed", "error": "errored", "runtime error": "errored"}
_FRAMING = ("Database Error", "Runtime Error", "Encountered an error", "Compilation Error")
# What the on-run-end macro log_test_failures prints before a test's rows.
PRINTED_HEADER = re.compile(
    r"^(?P<status>FAIL|WARN) (?P<test>\S+): (?P<failures>\d+) offending row\(s\)"
    r"(?: in (?P<relation>.+?))?, stored in (?P<stored>.+)$"
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class NodeResult:
    unique_id: str
    name: str
    resource_type: str
    status: str
    message: str | None = None
    tested: str | None = None  # "model int_calls_priced", "source billing.x", when known
    failures: int | None = None
    path: str | None = None  # the file that declares the node


@dataclass
class PrintedFailure:
    """A failing or warning test as log_test_failures printed it: header and first row."""

    status: str
    test: str
    failures: int
    relation: str | None
    stored_in: str
    first_row: str | None = None
    rows_printed: int = 0

    @classmethod
    def from_header(cls, line: str) -> PrintedFailure | None:
        if (found := PRINTED_HEADER.match(line.strip())) is None:
            return None
        status, test, failures, relation, stored_in = found.groups()
        return cls(status, test, int(failures), relation, stored_in)


@dataclass
class BuildSummary:
    """`dbt build`'s exit code, invocation id and node results (None: dbt wrote none for it)."""

    returncode: int
    invocation_id: str | None
    results: list[NodeResult] | None
    error: str | None = None
    printed: dict[str, PrintedFailure] = field(default_factory=dict)  # by test name

    def _count(self, types: set[str], statuses: set[str]) -> int | None:
        if self.results is None:
            return None
        return sum(1 for r in self.results if r.resource_type in types and r.status in statuses)

    def counts(self) -> dict[str, int | None]:
        """The heartbeat's counts."""
        nodes = {"model", "seed", "snapshot", "test", "unit_test"}
        return {
            "models_built": self._count({"model"}, {"success"}),
            "models_failed": self._count({"model"}, set(FAILED_STATUSES)),
            "tests_passed": self._count(set(TEST_TYPES), {"pass"}),
            "tests_failed": self._count(set(TEST_TYPES), set(FAILED_STATUSES)),
            "tests_warned": self._count(set(TEST_TYPES), {"warn"}),
            "nodes_skipped": self._count(nodes, {"skipped"}),
        }

    def test_names(self, statuses: Collection[str] = FAILED_STATUSES) -> list[str]:
        """The tests that ended in `statuses` (default: failed or errored), sorted."""
        tests = [r for r in self.results or [] if r.resource_type in TEST_TYPES]
        return sorted({r.name for r in tests if r.status in statuses})

    def failed_nodes(self) -> list[str]:
        return sorted(r.unique_id for r in self.results or [] if r.status in FAILED_STATUSES)

    def status_of(self, name: str) -> str | None:
        """Status of the node called `name`, None if it did not run."""
        return next((r.status for r in self.results or [] if r.name == name), None)


def load_json(path: Path) -> dict[str, Any]:
    """The JSON object in `path`; {} when there is none."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}
    return document if isinstance(document, dict) else {}


def _fallback_name(unique_id: str) -> str:
    parts = unique_id.split(".")
    return parts[-1] if parts[0] == "unit_test" else parts[2] if len(parts) > 2 else unique_id


def _tested_relation(node: dict[str, Any], nodes: dict[str, Any]) -> str | None:
    """`model X` or `source a.b` a test is attached to, from the manifest."""
    parents = list((node.get("depends_on") or {}).get("nodes") or [])
    one_parent = node.get("resource_type") == "test" and len(parents) == 1
    unique_id = node.get("attached_node") or (parents[0] if one_parent else None)
    if not unique_id:
        return None
    parent, kind = nodes.get(unique_id) or {}, unique_id.split(".")[0]
    if kind == "source" and parent:
        return f"source {parent.get('source_name')}.{parent.get('name')}"
    return f"{kind} {parent.get('name') or _fallback_name(unique_id)}"


def read_run_results(
    run_results: Path, manifest: Path, invocation_id: str | None
) -> list[NodeResult] | None:
    """Node results of run_results.json, if it is `invocation_id`'s (see the module)."""
    if not (document := load_json(run_results)):
        return None
    written_by = document.get("metadata", {}).get("invocation_id")
    if invocation_id is None or written_by != invocation_id:
        log.warning("%s is not this build's (invocation %s); ignoring it", run_results, written_by)
        return None
    manifest_doc, nodes = load_json(manifest), {}
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
    """Model or seed name -> relation, sources as "<source>.<table>": what dbt built, exactly."""
    document = load_json(manifest)
    project = document.get("metadata", {}).get("project_name")
    names: dict[str, str] = {}
    for node in (document.get("nodes") or {}).values():
        ours = node.get("name") not in names or node.get("package_name") == project
        if node.get("resource_type") in ("model", "seed") and node.get("relation_name") and ours:
            names[node["name"]] = node["relation_name"]
    for source in (document.get("sources") or {}).values():
        if source.get("relation_name"):
            names[f"{source['source_name']}.{source['name']}"] = source["relation_name"]
    return names


def first_line(text: str | None) -> str:
    """The line of a dbt message that says what is wrong, without dbt's framing."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    meaningful = [line for line in lines if not line.startswith(_FRAMING)]
    return (meaningful or lines or [""])[0]


def describe_node(result: NodeResult, build: BuildSummary) -> str:
    """`test X failed on model Y: 3 row(s), first: a=1, b=None` and the like."""
    verb, message = _VERBS.get(result.status, result.status), first_line(result.message)
    if result.resource_type not in TEST_TYPES:
        return f"{result.resource_type} {result.name} {verb}" + (f": {message}" if message else "")
    printed = build.printed.get(result.name)
    tested = (printed.relation if printed else None) or result.tested
    kind = "unit test" if result.resource_type == "unit_test" else "test"
    text = f"{kind} {result.name} {verb}" + (f" on {tested}" if tested else "")
    if result.status != "fail":
        return text + (f": {message}" if message else "")
    failures, row = (printed.failures, printed.first_row) if printed else (result.failures, None)
    if failures is None:
        return text
    clipped = f"{row[:_ROW_EXCERPT]}{'...' if len(row) > _ROW_EXCERPT else ''}" if row else ""
    return f"{text}: {failures} row(s)" + (f", first: {clipped}" if row else "")


def build_failure_cause(build: BuildSummary) -> str:
    """Why the build failed in one line: the first failed node (tests with rows first), +N more."""
    failed = [r for r in build.results or [] if r.status in FAILED_STATUSES]
    if not failed:
        return first_line(build.error) or f"dbt build exited with {build.returncode}"
    failed.sort(key=lambda r: (r.status != "fail", r.resource_type not in TEST_TYPES))
    cause, others = f"dbt build failed: {describe_node(failed[0], build)}", failed[1:]
    if others:
        names = ", ".join(r.name for r in others[:_NAMED_OTHERS])
        cause += f"; +{len(others)} more ({names}{', ...' if len(others) > _NAMED_OTHERS else ''})"
    return cause
