"""The one line that says why a `dbt build` failed, for the job's last line and heartbeat.

Names the first failing node (a test with the table it read and its first offending row,
as log_test_failures printed it; a model with dbt's message) and "+N more" with their
names, so whoever is paged knows what to open without reading the whole log.
"""

from __future__ import annotations

from ledger_job.dbt_artifacts import FAILED_STATUSES, TEST_TYPES, BuildSummary, NodeResult

# How many of the other failing nodes are named after "+N more".
_NAMED_OTHERS = 3
_ROW_EXCERPT = 240
_VERBS = {"fail": "failed", "error": "errored", "runtime error": "errored"}


_FRAMING = ("Database Error", "Runtime Error", "Encountered an error", "Compilation Error")


def first_line(text: str | None) -> str:
    """The line of a dbt message that says what is wrong, without dbt's framing."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    meaningful = [line for line in lines if not line.startswith(_FRAMING)]
    return (meaningful or lines or [""])[0]


def describe_node(result: NodeResult, build: BuildSummary) -> str:
    """`test X failed on model Y: 3 row(s), first: a=1, b=None` and the like."""
    if result.resource_type not in TEST_TYPES:
        message = first_line(result.message)
        return (
            f"{result.resource_type} {result.name} {_VERBS.get(result.status, result.status)}"
            + (f": {message}" if message else "")
        )
    printed = build.printed.get(result.name)
    tested = (printed.relation if printed else None) or result.tested
    kind = "unit test" if result.resource_type == "unit_test" else "test"
    text = f"{kind} {result.name} {_VERBS.get(result.status, result.status)}"
    text += f" on {tested}" if tested else ""
    failures = printed.failures if printed else result.failures
    if result.status == "fail" and failures is not None:
        text += f": {failures} row(s)"
        if printed and printed.first_row:
            row = printed.first_row
            text += f", first: {row[:_ROW_EXCERPT]}{'...' if len(row) > _ROW_EXCERPT else ''}"
    elif result.status != "fail":
        message = first_line(result.message)
        text += f": {message}" if message else ""
    return text


def build_failure_cause(build: BuildSummary) -> str:
    """Why the build failed, in one line; its fatal error when no node is to blame."""
    failed = [r for r in build.results or [] if r.status in FAILED_STATUSES]
    if not failed:
        return first_line(build.error) or f"dbt build exited with {build.returncode}"
    # Tests that returned rows first: they name data to fix; errors of skipped parents after.
    failed.sort(key=lambda r: (r.status != "fail", r.resource_type not in TEST_TYPES))
    cause = f"dbt build failed: {describe_node(failed[0], build)}"
    others = failed[1:]
    if others:
        names = ", ".join(r.name for r in others[:_NAMED_OTHERS])
        more = ", ..." if len(others) > _NAMED_OTHERS else ""
        cause += f"; +{len(others)} more ({names}{more})"
    return cause
