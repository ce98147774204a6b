"""`make pg-indexes`: the raw tables' indexes, created concurrently on a real PostgreSQL.

The macro runs under `dbt run-operation` as the Makefile runs it, on demo raw tables in
schemas of this module's own (ledger_pytest_ix_*): every index is created and valid, a second run
creates nothing and says each one exists, and drop=true removes them all.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from dbt_harness import DbtSandbox, output_of

pytestmark = [pytest.mark.postgres, pytest.mark.dbt]

PREFIX = "ledger_pytest_ix"
_SUMMARY = re.compile(
    r"create_raw_indexes: (\d+) created, (\d+) already existed, (\d+) rebuilt \(of (\d+)\)"
)


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DbtSandbox]:
    box = DbtSandbox(
        target="postgres", workdir=tmp_path_factory.mktemp("raw_indexes"), schema_prefix=PREFIX
    )
    box.load_demo_data(scale=0.05)
    yield box
    box.drop_schemas(*box.raw_schemas)


def run_macro(sandbox: DbtSandbox, *args: str) -> str:
    result = sandbox.dbt("run-operation", "create_raw_indexes", *args)
    text = output_of(result)
    assert result.returncode == 0, text[-3000:]
    return text


def ledger_indexes(sandbox: DbtSandbox) -> dict[str, bool]:
    """Every ledger_ix_ index in the sandbox's raw schemas, and whether it is valid."""
    schemas = ", ".join(f"'{name}'" for name in sandbox.raw_schemas.values())
    with sandbox.warehouse() as warehouse:
        rows = warehouse.query(
            "select n.nspname || '.' || c.relname, i.indisvalid"
            " from pg_index as i join pg_class as c on c.oid = i.indexrelid"
            " join pg_namespace as n on n.oid = c.relnamespace"
            f" where n.nspname in ({schemas}) and c.relname like 'ledger\\_ix\\_%'"
        )
    return {str(name): bool(valid) for name, valid in rows}


def test_indexes_are_created_once_valid_and_dropped(sandbox: DbtSandbox) -> None:
    first = run_macro(sandbox)
    created, existed, rebuilt, total = map(int, _SUMMARY.findall(first)[-1])
    assert (created, existed, rebuilt) == (total, 0, 0) and total >= 30
    statements = re.findall(r"running: (create index concurrently if not exists .*)", first)
    assert len(statements) == total
    assert all(f" on {PREFIX}_" in statement for statement in statements)

    indexes = ledger_indexes(sandbox)
    assert len(indexes) == total
    assert all(indexes.values()), [name for name, valid in indexes.items() if not valid]
    assert all(len(name.split(".")[1].encode()) <= 63 for name in indexes)

    second = run_macro(sandbox)
    assert _SUMMARY.findall(second)[-1] == ("0", str(total), "0", str(total))
    assert "running: create" not in second
    assert len(re.findall(r"exists: .*, valid", second)) == total
    assert ledger_indexes(sandbox) == indexes

    dropped = run_macro(sandbox, "--args", "{drop: true}")
    assert f"create_raw_indexes: {total} dropped, 0 absent" in dropped
    assert ledger_indexes(sandbox) == {}
