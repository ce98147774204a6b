"""The Redshift SQL check: every rule fires, quoted text never does, and the CLI's exit codes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ledger_job.paths import PROJECT_ROOT
from ledger_tools.redshift_check import RULES, check_sql, main

SCRIPT = PROJECT_ROOT / "scripts" / "check_redshift_sql.py"

# One offending statement per construct; together they must cover every rule of RULES.
POSITIVE: list[tuple[str, str]] = [
    ("select count(*) filter (where paid) from sales", "filter (where …)"),
    ("select sum(price) FILTER(WHERE paid) from sales", "filter (where …)"),
    ("select distinct on (lead_id) lead_id, sold_at from sales", "distinct on (…)"),
    ("select string_agg(code, ',') from product", "string_agg()"),
    ("select array_agg(code) from product", "array_agg()"),
    ("select * from a cross join lateral (select 1) b", "lateral"),
    ("select * from a left join lateral (select 1) b on true", "lateral"),
    ("select * from generate_series(1, 10) as g(n)", "generate_series()"),
    ("select 1 from t where a is distinct from b", "is distinct from"),
    ("select 1 from t where a IS NOT DISTINCT FROM b", "is not distinct from"),
    ("select * from t qualify row_number() over (order by id) = 1", "qualify"),
    ("select cast(price as numeric(39, 2)) from t", "numeric precision > 38"),
    ("select price::decimal(40) from t", "numeric precision > 38"),
    ("select price::float from t", "cast to float"),
    ("select price::float8 from t", "cast to float"),
    ("select price::real from t", "cast to float"),
    ("select price :: double precision from t", "cast to float"),
    ("select cast(price as float) from t", "cast to float"),
    ("select cast(price as double precision) from t", "cast to float"),
    ("select price::numeric from t", "numeric without precision"),
    ("select cast(price as decimal) from t", "numeric without precision"),
    ("select unnest(codes) from t", "unnest()"),
    ("select jsonb_agg(code) from product", "json aggregate"),
]

# The same words where they are data or names, never SQL constructs.
NEGATIVE: list[str] = [
    "select 'count(*) filter (where x)' as s",
    "select 'distinct on (a)', 'string_agg(', 'lateral', 'qualify', 'numeric(39,2)'",
    "select 'it''s a lateral qualify ::float' as s",
    "select e'\\' qualify generate_series(' as s",
    "select $$ array_agg(x) is distinct from y $$ as s",
    "select $tag$ x::float8 $tag$ as s",
    'select "qualify", "lateral", "filter" from t',
    "select 1 -- qualify, lateral, string_agg(x), a is distinct from b\nfrom t",
    "select 1 /* distinct on (a) filter (where b) numeric(39,2) x::float */ from t",
    "select qualify_flag, filter_id, lateral_count, string_agg_count from t",
    "select t.qualify, t.filter, s.lateral_id from t join s on t.id = s.id",
    "select distinct on_time, lead_id from t",
    "select filter from t",
    "select amount as real_amount, float_col, x::numeric(12,2) from t",
    "select cast(price as numeric(38, 2)), price::decimal(38) from t",
    "select a from t where a is not null and b = c",
    "select listagg(code, ',') within group (order by code) from product",
    "select row_number() over (partition by lead_id order by sold_at) from sales",
    "select sum(case when paid then price end) from sales",
]


def constructs(sql: str) -> list[str]:
    return [f.construct for f in check_sql(sql)]


@pytest.mark.parametrize(("sql", "construct"), POSITIVE)
def test_each_construct_is_found(sql: str, construct: str) -> None:
    assert constructs(sql) == [construct]


def test_every_rule_has_a_positive_case() -> None:
    assert {r.construct for r in RULES} == {construct for _, construct in POSITIVE}


@pytest.mark.parametrize("sql", NEGATIVE)
def test_no_finding_in_literals_comments_or_names(sql: str) -> None:
    assert constructs(sql) == []


def test_precision_38_passes_and_39_fails() -> None:
    assert constructs("select cast(x as numeric(38,2))") == []
    assert constructs("select cast(x as numeric(39,2))") == ["numeric precision > 38"]


def test_finding_points_at_line_and_column() -> None:
    sql = "select\n  lead_id,\n  count(*) filter (where paid)\nfrom sales"
    (finding,) = check_sql(sql, "models/x.sql")
    assert (finding.line, finding.col) == (3, 12)
    assert str(finding).startswith("models/x.sql:3:12: filter (where …) — ")


def test_several_findings_come_in_file_order() -> None:
    sql = "select price::float,\n string_agg(code, ',')\nfrom t qualify true"
    findings = check_sql(sql)
    assert [(f.line, f.construct) for f in findings] == [
        (1, "cast to float"),
        (2, "string_agg()"),
        (3, "qualify"),
    ]


def test_text_that_cannot_be_tokenized_is_a_finding() -> None:
    assert "unlexable SQL" in constructs("select 'never closed from t")


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        capture_output=True,
        text=True,
        cwd=cwd or PROJECT_ROOT,
        check=False,
    )


@pytest.fixture
def compiled(tmp_path: Path) -> Path:
    models = tmp_path / "compiled" / "lead_revenue_ledger" / "models"
    models.mkdir(parents=True)
    (models / "clean.sql").write_text("select 'qualify' as note, price::numeric(12,2) from t\n")
    return tmp_path / "compiled"


def test_cli_passes_clean_sql(compiled: Path) -> None:
    result = run_cli(str(compiled))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 file(s) clean" in result.stdout


def test_cli_reports_findings_and_fails(compiled: Path) -> None:
    bad = compiled / "lead_revenue_ledger" / "models" / "bad.sql"
    bad.write_text("select lead_id\nfrom sales\nqualify row_number() over () = 1\n")
    result = run_cli(str(compiled))
    assert result.returncode == 1
    assert f"{bad}:3:1: qualify — " in result.stdout
    assert "1 finding(s) in 1 of 2 file(s)" in result.stdout


def test_cli_accepts_single_files(compiled: Path) -> None:
    bad = compiled / "bad.sql"
    bad.write_text("select array_agg(x) from t")
    assert run_cli(str(bad)).returncode == 1
    assert run_cli(str(compiled / "lead_revenue_ledger" / "models" / "clean.sql")).returncode == 0


def test_cli_fails_when_there_is_nothing_to_check(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("select string_agg(x) from t")
    result = run_cli(str(tmp_path))
    assert result.returncode == 2
    assert "no .sql file" in result.stdout


def test_cli_fails_on_a_missing_path(tmp_path: Path, compiled: Path) -> None:
    result = run_cli(str(compiled), str(tmp_path / "missing"))
    assert result.returncode == 2
    assert "no such file or directory" in result.stderr


def test_cli_defaults_to_target_compiled(tmp_path: Path) -> None:
    assert run_cli(cwd=tmp_path).returncode == 2
    clean = tmp_path / "target" / "compiled" / "m.sql"
    clean.parent.mkdir(parents=True)
    clean.write_text("select 1")
    assert run_cli(cwd=tmp_path).returncode == 0


def test_main_returns_the_exit_code(compiled: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(compiled)]) == 0
    assert "clean" in capsys.readouterr().out
