"""Every class of bad raw input fails the build (or warns, where the spec says) and names its rows.

On each engine one small dataset (bad_input_catalogue) goes through three steps:

1. As it is, it is valid: `dbt build` passes, and the reports read back exact totals of
   deliveries at the largest numeric(12,2) price, which a numeric(12,2) total overflows.
2. Two classes that cannot join the others are added on their own: a converted sale whose
   refund cannot fit one numeric(12,2) ledger row (it would break every test below it), and
   a second product with a price under an existing code (it needs the price snapshot to
   run). The build of the models they reach fails, naming the sale and the deliveries
   priced twice. The rows are removed again.
3. The rows of every class of bad input are added at once, each class with keys of its own.
   `dbt build` must fail. `dbt test`, which unlike `build` runs every test even below one
   that failed (on the views of step 1, which the failed build left in place), prints each
   failing test with its rows; every class is looked for there by its test, the relation
   the test read and the key of its row. Tests on raw tables run first in a build, so those
   classes are looked for in the build's printout as well.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from bad_input_catalogue import (
    DELIVERY_TABLES,
    MAX_AMOUNT,
    BadInput,
    RawRow,
    as_dataset,
    bad_inputs,
    rows_to_add,
    valid_rows,
)
from dbt_harness import DbtSandbox, output_of
from readers import REPORT_MARTS
from shared_warehouse import private_prefix

from ledger_tools.demo_data import table_columns

pytestmark = pytest.mark.dbt

CLASSES = bad_inputs()
LAYERS = ("snapshots", "staging", "intermediate", "marts", "audit")
PRODUCT_OF_TABLE = {
    "mortgage_broker_filter_to_mortgage_lead": 1,
    "construction_loan_lead_filter_to_construction_loan_lead": 2,
    "hard_money_lead_filter_to_hard_money_lead": 3,
    "land_lead_filter_to_land_lead": 4,
}
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_HEADER = re.compile(r"(FAIL|WARN) (\S+): (\d+) offending row\(s\)(?: in (.+?))?, stored in ")


@dataclass(frozen=True)
class Printed:
    """One failing test as log_test_failures prints it: header, then its rows."""

    status: str
    test: str
    failures: int
    relation: str | None
    rows: str

    def names(self, text: str) -> bool:
        """Whether a printed cell is exactly `text` (`id=9` is not `lead_id=9` or `id=90`)."""
        return re.search(rf"(?<![\w.]){re.escape(text)}(?=,|\s|$)", self.rows) is not None


def printed_failures(output: str) -> list[Printed]:
    text = _ANSI.sub("", output)
    headers = list(_HEADER.finditer(text))
    ends = [h.start() for h in headers[1:]] + [len(text)]
    return [
        Printed(h.group(1), h.group(2), int(h.group(3)), h.group(4), text[h.end() : end])
        for h, end in zip(headers, ends, strict=True)
    ]


@dataclass
class EngineRun:
    sandbox: DbtSandbox
    valid_build: subprocess.CompletedProcess[str]
    balances: dict[str, tuple[Decimal, Decimal, Decimal]]
    balance_check: tuple[Decimal, Decimal, Decimal, bool]
    trial_balance: dict[tuple[str, str], Decimal]
    ledger: dict[str, tuple[str | None, Decimal]]
    lead_limit_test: subprocess.CompletedProcess[str]
    alone_build: subprocess.CompletedProcess[str]
    bad_build: subprocess.CompletedProcess[str]
    bad_test: subprocess.CompletedProcess[str]

    def printed(self, result: subprocess.CompletedProcess[str]) -> list[Printed]:
        return printed_failures(output_of(result))


def _insert(sandbox: DbtSandbox, table: str, rows: list[RawRow]) -> None:
    schema, name = table.split(".")
    columns = table_columns(schema, name)
    with sandbox.warehouse() as warehouse:
        warehouse.insert_rows(
            sandbox.raw_schemas[schema], name, [tuple(r[c] for c in columns) for r in rows]
        )


def _built_alone(sandbox: DbtSandbox) -> subprocess.CompletedProcess[str]:
    """Step 2: a refund beyond a row amount, and deliveries with two price versions."""
    # A sale and its conversion at the largest amount each: the refund would need twice it.
    start, sold_at = datetime(2025, 1, 1), datetime(2025, 4, 1)
    deal = {"deal_id": "D-MAX", "buyer_id": 1, "deal_type": "cpa_cpt"}
    _insert(
        sandbox,
        "boberdoo.broker_deals",
        [{**deal, "payout_amount": MAX_AMOUNT, "starts_at": start, "ends_at": None}],
    )
    sale = {"transaction_id": "T-MAX", "lead_id": "L1", "buyer_id": 1, "deal_type": "cpa_cpt"}
    _insert(sandbox, "boberdoo.lead_sales", [{**sale, "price": MAX_AMOUNT, "sold_at": sold_at}])
    reports = [
        {
            "disposition_id": f"T-MAX-{status}",
            "transaction_id": "T-MAX",
            "call_id": None,
            "buyer_id": 1,
            "status": status,
            "reported_at": sold_at + timedelta(days=days),
        }
        for days, status in ((1, "sold"), (2, "returned"))
    ]
    _insert(sandbox, "boberdoo.dispositions", reports)
    # A second product under the hard-money code, with a price of its own.
    _insert(sandbox, "billing.product", [{"id": 77, "code": "hard_money_lead"}])
    _insert(
        sandbox,
        "billing.product_price",
        [{"product_id": 77, "price": Decimal("40.00"), "updated_at": datetime(2024, 11, 1)}],
    )
    result = sandbox.build(
        "--select",
        "snap_billing__product_prices int_lead_deliveries_priced int_sale_conversions_priced",
    )
    boberdoo, billing = sandbox.raw_schemas["boberdoo"], sandbox.raw_schemas["billing"]
    with sandbox.warehouse() as warehouse:
        warehouse.execute(f"delete from {billing}.product where id = 77")
        warehouse.execute(f"delete from {billing}.product_price where product_id = 77")
        warehouse.execute(f"delete from {boberdoo}.broker_deals where deal_id = 'D-MAX'")
        warehouse.execute(f"delete from {boberdoo}.lead_sales where transaction_id = 'T-MAX'")
        warehouse.execute(f"delete from {boberdoo}.dispositions where transaction_id = 'T-MAX'")
    return result


def _run(sandbox: DbtSandbox) -> EngineRun:
    now = datetime.now(UTC).replace(tzinfo=None)
    sandbox.load_raw_data(as_dataset(valid_rows(now)))
    valid_build = sandbox.build()

    marts = sandbox.relation
    with sandbox.warehouse() as warehouse:
        balances = {
            code: (debits, credits, balance)
            for code, debits, credits, balance in warehouse.query(
                "select account_code, total_debits, total_credits, balance "
                f"from {marts('marts', 'account_balances')}"
            )
        }
        [balance_check] = warehouse.query(
            "select total_debits, total_credits, difference, is_balanced "
            f"from {marts('marts', 'ledger_balance_check')}"
        )
        trial_balance = {
            (str(month)[:7], code): credits
            for month, code, credits in warehouse.query(
                "select balance_month, account_code, period_credits "
                f"from {marts('marts', 'trial_balance_monthly')}"
            )
        }
        ledger = {
            ledger_id: (lead_type, billed)
            for ledger_id, lead_type, billed in warehouse.query(
                "select ledger_id, lead_type, billed_amount "
                f"from {marts('marts', 'lead_sales_ledger')}"
            )
        }
    # With no lead allowed, the sale dated 12 hours ahead is an error too.
    lead_limit_test = sandbox.dbt(
        "test", "--select", "test_name:not_in_the_future", variables={"max_event_lead_days": 0}
    )
    alone_build = _built_alone(sandbox)

    for table, rows in rows_to_add(CLASSES, datetime.now(UTC).replace(tzinfo=None)):
        _insert(sandbox, table, rows)
    # The build's part that stops it on bad raw rows: the sources' tests, printing what
    # they find as the nightly build does. Every view of the valid build stays in place, so
    # `dbt test` then reads them all without a `dbt run` first. Unit tests read no raw row:
    # make test's own builds run them.
    bad_build = sandbox.build("--select", "source:*")
    bad_test = sandbox.dbt("test", "--exclude-resource-type", "unit_test")
    # Kept beside the sandbox for whoever reads a failure.
    for name, result in (
        ("valid_build", valid_build),
        ("alone_build", alone_build),
        ("bad_build", bad_build),
        ("bad_test", bad_test),
    ):
        (sandbox.workdir / f"{name}.out").write_text(output_of(result))
    return EngineRun(
        sandbox=sandbox,
        valid_build=valid_build,
        balances=balances,
        balance_check=balance_check,
        trial_balance=trial_balance,
        ledger=ledger,
        lead_limit_test=lead_limit_test,
        alone_build=alone_build,
        bad_build=bad_build,
        bad_test=bad_test,
    )


@pytest.fixture(
    scope="module", params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def run(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[EngineRun]:
    workdir = tmp_path_factory.mktemp(f"bad_input_{request.param}")
    if request.param == "duckdb":
        yield _run(DbtSandbox(target="dev", workdir=workdir, duckdb_path=workdir / "ledger.duckdb"))
        return
    sandbox = DbtSandbox(
        target="postgres", workdir=workdir, schema_prefix=private_prefix("ledger_pytest_bad")
    )
    try:
        yield _run(sandbox)
    finally:
        sandbox.drop_schemas("billing", "boberdoo", "invoca", "finance", *LAYERS)


def test_valid_data_builds_and_report_totals_do_not_overflow(run: EngineRun) -> None:
    assert run.valid_build.returncode == 0, output_of(run.valid_build)[-4000:]
    rows = valid_rows(datetime(2025, 12, 1))
    prices = {r["product_id"]: r["price"] for r in rows["billing.product_price"]}
    delivered = [
        (row["created_at"], prices[PRODUCT_OF_TABLE[table]])
        for table in DELIVERY_TABLES
        for row in rows[f"billing.{table}"]
    ]
    msrp_total = sum((price for _, price in delivered), Decimal("0"))
    february = sum((p for at, p in delivered if at.strftime("%Y-%m") == "2025-02"), Decimal(0))
    assert msrp_total > 2 * MAX_AMOUNT  # beyond numeric(12,2)

    debits, credits, balance = run.balances["4000"]
    assert (debits, credits, balance) == (Decimal("0.00"), msrp_total, -msrp_total)
    assert run.trial_balance[("2025-02", "4000")] == february
    total_debits, total_credits, difference, is_balanced = run.balance_check
    assert total_debits == total_credits > msrp_total
    assert difference == 0 and is_balanced is True
    amounts = [*run.balances["4000"], *run.balances["1100"], total_debits, difference]
    assert all(isinstance(a, Decimal) and a.as_tuple().exponent == -2 for a in amounts)


def test_every_money_total_of_the_reports_is_wider_than_a_row_amount(run: EngineRun) -> None:
    reports = (*REPORT_MARTS, "lead_quality_by_broker_month")
    names = ", ".join(f"'{name}'" for name in reports)
    marts = run.sandbox.relation("marts", "x").split(".")[0]
    with run.sandbox.warehouse() as warehouse:
        columns = warehouse.query(
            "select table_name, column_name, numeric_precision, numeric_scale "
            "from information_schema.columns "
            f"where table_schema = '{marts}' and table_name in ({names}) "
            "and numeric_scale = 2"
        )
    assert {table for table, *_ in columns} == set(reports)
    assert [(t, c, p) for t, c, p, _ in columns if p != 38] == []


def test_odd_but_valid_data_is_billed_not_rejected(run: EngineRun) -> None:
    assert run.valid_build.returncode == 0, output_of(run.valid_build)[-4000:]
    # A lead type the spec does not list is the platform's free text.
    assert run.ledger["lead_sale:T3"] == ("reverse_mortgage", Decimal("0.00"))
    # Dated 12 hours after the build: within the allowed day, so billed.
    assert run.ledger["lead_sale:T4"][1] == Decimal("2.00")
    # The call returned was never billable: no refund row (spec 3.5).
    assert "refund:call:CA2" not in run.ledger and "call:CA2" not in run.ledger
    assert run.ledger["refund:lead_sale:T2"][1] == Decimal("-110.00")


def test_the_allowed_lead_of_event_dates_is_a_var(run: EngineRun) -> None:
    assert run.valid_build.returncode == 0  # with the default of one day, T4 passes
    assert run.lead_limit_test.returncode != 0
    assert any(
        p.status == "FAIL"
        and "not_in_the_future_boberdoo_lead_sales_sold_at" in p.test
        and p.relation == "source boberdoo.lead_sales"
        and p.names("transaction_id=T4")
        for p in run.printed(run.lead_limit_test)
    ), output_of(run.lead_limit_test)[-4000:]


def test_a_refund_beyond_one_row_amount_fails_and_names_the_sale(run: EngineRun) -> None:
    assert run.alone_build.returncode != 0
    assert any(
        p.status == "FAIL"
        and p.test == "converted_sales_refundable_in_one_ledger_row"
        and p.relation == "model int_sale_conversions_priced"
        and p.names("transaction_id=T-MAX")
        for p in run.printed(run.alone_build)
    ), output_of(run.alone_build)[-4000:]


def test_deliveries_with_two_price_versions_fail_and_are_named(run: EngineRun) -> None:
    assert run.alone_build.returncode != 0
    hard_money_delivery = ("key_value=hard_money:1,", "broken_rules=unique: 2 rows share this key")
    assert any(
        p.status == "FAIL"
        and p.test == "deliveries_priced_by_one_price_version"
        and p.relation == "model int_lead_deliveries_priced"
        and any(all(cell in line for cell in hard_money_delivery) for line in p.rows.splitlines())
        for p in run.printed(run.alone_build)
    ), output_of(run.alone_build)[-4000:]


def test_phone_numbers_are_masked_in_the_printout_and_the_logs(run: EngineRun) -> None:
    phones = {
        row[column]
        for bad in CLASSES
        for row in bad.rows
        for column in ("phone", "caller_phone")
        if row.get(column)
    }
    printed = output_of(run.bad_test)
    dbt_log = (run.sandbox.workdir / "logs" / "dbt.log").read_text()
    unknown_campaign = next(b for b in CLASSES if b.test == "calls_of_unknown_campaigns")
    phone = unknown_campaign.rows[0]["caller_phone"]
    assert f"caller_phone={'*' * (len(phone) - 4)}{phone[-4:]}" in printed
    assert phones and not [p for p in phones if p in printed or p in dbt_log]


def _matches(bad: BadInput, printed: list[Printed]) -> list[Printed]:
    return [
        p
        for p in printed
        if p.status == bad.status
        and bad.test in p.test
        and p.relation == bad.relation
        and p.names(bad.names)
    ]


@pytest.mark.parametrize("bad", CLASSES, ids=[bad.id for bad in CLASSES])
def test_bad_input_is_caught_and_names_its_row(run: EngineRun, bad: BadInput) -> None:
    assert run.valid_build.returncode == 0, "the dataset must be valid before the bad rows"
    assert run.bad_build.returncode != 0
    printed = run.printed(run.bad_test)
    candidates = [p for p in printed if bad.test in p.test]
    assert _matches(bad, printed), (
        f"{bad.description}: expected {bad.status} {bad.test} in {bad.relation} naming "
        f"{bad.names}; printed:\n"
        + "\n".join(
            f"{p.status} {p.test} ({p.failures} rows) in {p.relation}{p.rows[:1500]}"
            for p in candidates
        )
    )
    if bad.relation is not None and bad.relation.startswith("source "):
        assert _matches(bad, run.printed(run.bad_build)), f"{bad.description}: not in the build"


def test_every_class_has_an_id_and_a_row_of_its_own() -> None:
    ids = [bad.id for bad in CLASSES]
    assert len(ids) == len(set(ids))
    keys = [(bad.table, bad.names) for bad in CLASSES if not bad.names.startswith("unique_")]
    assert len(keys) == len(set(keys))
