"""Raw data for the bad-input tests: one small valid dataset and every class of bad row.

`valid_dataset()` passes every test. It also holds what is odd but valid, so that nothing
valid is mistaken for an error: deliveries at the largest numeric(12,2) price (their
totals overflow anything narrower), a lead type the spec does not list (free text), leads
and calls without a phone, a `returned` report on a call that was never billable (spec
3.5: it adds no row), a sale dated a few hours after the build (within the allowed lead).

`bad_inputs()` lists the classes of invalid raw data. Most are generated from the landing
contract, column by column: a null in every required column, an unknown broker in every
broker reference, a date far ahead in every event column, an interval that ends before or
when it starts, a value out of range, an unknown code, a conflicting duplicate key. The rest
are the references and orders that involve two rows. Each class gets rows of its own (keys
BAD-<n> or 9000+<n>), so all of them can be loaded at once and each looked for by its key.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from ledger_tools.demo_data import Dataset, table_columns
from ledger_tools.raw_schema import RAW_TABLES

RawRow = dict[str, Any]

MAX_AMOUNT = Decimal("9999999999.99")  # the largest numeric(12,2)
FAR_FUTURE = datetime(2999, 1, 1)
D = Decimal

DELIVERY_TABLES: dict[str, tuple[str, str]] = {
    # table: (lead column, staging model of the table)
    "mortgage_broker_filter_to_mortgage_lead": (
        "mortgage_lead_id",
        "stg_billing__professional_lead_deliveries",
    ),
    "construction_loan_lead_filter_to_construction_loan_lead": (
        "construction_loan_lead_id",
        "stg_billing__construction_lead_deliveries",
    ),
    "hard_money_lead_filter_to_hard_money_lead": (
        "hard_money_lead_id",
        "stg_billing__hard_money_lead_deliveries",
    ),
    "land_lead_filter_to_land_lead": ("land_lead_id", "stg_billing__land_lead_deliveries"),
}


def _delivery(row_id: int, lead_id: int, broker_id: int, at: datetime) -> RawRow:
    return {"id": row_id, "filter_id": 9001, "lead_id": lead_id, "broker": broker_id, "at": at}


def _delivery_row(table: str, spec: RawRow) -> RawRow:
    prefix = table.split("_filter_to_")[0]
    lead_column = DELIVERY_TABLES[table][0]
    return {
        "id": spec["id"],
        f"{prefix}_filter_id": spec["filter_id"],
        lead_column: spec["lead_id"],
        "mortgage_broker_id": spec["broker"],
        "created_at": spec["at"],
    }


def valid_rows(now: datetime) -> dict[str, list[RawRow]]:
    """The valid dataset as rows by "schema.table"; `now` is about when the build runs."""
    day = datetime(2025, 1, 1)
    deliveries = {
        # Two deliveries at the largest price: their totals need more than numeric(12,2).
        "mortgage_broker_filter_to_mortgage_lead": [
            _delivery(1, 100001, 1, datetime(2025, 2, 1, 9)),
            _delivery(2, 100002, 1, datetime(2025, 2, 1, 10)),
        ],
        "construction_loan_lead_filter_to_construction_loan_lead": [
            _delivery(1, 200001, 2, datetime(2025, 2, 2, 9)),
        ],
        # At the instant broker 3's plan ends: no discount.
        "hard_money_lead_filter_to_hard_money_lead": [
            _delivery(1, 300001, 3, datetime(2025, 6, 1)),
        ],
        "land_lead_filter_to_land_lead": [_delivery(1, 400001, 2, datetime(2025, 2, 4, 9))],
    }
    rows: dict[str, list[RawRow]] = {
        "billing.mortgage_broker": [
            {"id": 1, "name": "Harbor Lending", "created_at": datetime(2024, 1, 2, 8)},
            {"id": 2, "name": "Summit Capital", "created_at": datetime(2024, 1, 3, 8)},
            {"id": 3, "name": "Cedar Funding", "created_at": datetime(2024, 1, 4, 8)},
        ],
        "billing.product": [
            {"id": 1, "code": "professional_lead"},
            {"id": 2, "code": "construction_loan_lead"},
            {"id": 3, "code": "hard_money_lead"},
            {"id": 4, "code": "land_lead"},
        ],
        "billing.product_price": [
            {"product_id": 1, "price": MAX_AMOUNT, "updated_at": datetime(2024, 11, 1)},
            {"product_id": 2, "price": D("62.50"), "updated_at": datetime(2024, 11, 1)},
            {"product_id": 3, "price": D("35.00"), "updated_at": datetime(2024, 11, 1)},
            {"product_id": 4, "price": D("24.99"), "updated_at": datetime(2024, 11, 1)},
        ],
        "billing.mortgage_broker_subscription_plan": [
            _plan(1, 2, D("12.50"), day, None),
            _plan(2, 3, D("10.00"), day, datetime(2025, 6, 1)),
        ],
        "boberdoo.leads": [
            _lead("L1", "+15550100001", "purchase", datetime(2025, 3, 1, 9)),
            _lead("L2", "+15550100002", "refinance", datetime(2025, 3, 1, 9)),
            _lead("L3", None, "heloc", datetime(2025, 3, 2, 9)),
            # lead_type is free text set by the platform: an unlisted one is valid.
            _lead("L4", "+15550100004", "reverse_mortgage", datetime(2025, 3, 3, 9)),
        ],
        "boberdoo.lead_sales": [
            _sale("T1", "L1", 2, "cpa_cpt", D("1.00"), datetime(2025, 3, 1, 10)),
            _sale("T2", "L2", 3, "warm_transfer", D("20.00"), datetime(2025, 3, 1, 9, 5)),
            _sale("T3", "L4", 2, "cpa_cpt", D("0.00"), datetime(2025, 3, 3, 12)),
            # Dated after the build, but by less than the allowed day: valid and billed.
            _sale("T4", "L3", 2, "cpa_cpt", D("2.00"), now + timedelta(hours=12)),
        ],
        "boberdoo.broker_deals": [
            _deal("D1", 2, "cpa_cpt", D("150.00"), day, None),
            _deal("D2", 3, "warm_transfer", D("90.00"), day, datetime(2025, 6, 1)),
            _deal("D3", 3, "warm_transfer", D("95.00"), datetime(2025, 6, 1), None),
        ],
        "boberdoo.call_campaigns": [
            _campaign("C1", 3, D("45.00"), 60, day, None),
            _campaign("C2", 1, D("55.00"), 90, day, datetime(2025, 6, 1)),
            _campaign("C2", 1, D("65.00"), 90, datetime(2025, 6, 1), None),
        ],
        "boberdoo.dispositions": [
            _disposition("DSP1", "T1", None, 2, "sold", datetime(2025, 3, 3, 10)),
            _disposition("DSP2", "T2", None, 3, "sold", datetime(2025, 3, 4, 10)),
            _disposition("DSP3", "T2", None, 3, "returned", datetime(2025, 3, 10, 10)),
            _disposition("DSP4", None, "CA1", 3, "contacted", datetime(2025, 3, 6, 10)),
            # A call that was never billable (too short) returned: no refund row (spec 3.5).
            _disposition("DSP5", None, "CA2", 3, "returned", datetime(2025, 3, 7, 10)),
        ],
        "invoca.calls": [
            _call("CA1", "C1", "+15550100001", datetime(2025, 3, 5, 10), 120),
            _call("CA2", "C1", None, datetime(2025, 3, 6, 10), 30),
            _call("CA3", "C2", "+15550100002", datetime(2025, 7, 1, 10), 200),
        ],
        "finance.manual_journal_lines": _journal("MJ1", datetime(2025, 4, 1, 15), D("100.00")),
    }
    for table, specs in deliveries.items():
        rows[f"billing.{table}"] = [_delivery_row(table, spec) for spec in specs]
    return rows


def _raw(table: str) -> Callable[..., RawRow]:
    """A row builder of `schema.table`: its values in the order of the DDL's columns."""
    columns = table_columns(*table.split("."))
    return lambda *values: dict(zip(columns, values, strict=True))


_lead = _raw("boberdoo.leads")
_sale = _raw("boberdoo.lead_sales")
_deal = _raw("boberdoo.broker_deals")
_campaign = _raw("boberdoo.call_campaigns")
_disposition = _raw("boberdoo.dispositions")
_call = _raw("invoca.calls")
_plan_row = _raw("billing.mortgage_broker_subscription_plan")
_journal_row = _raw("finance.manual_journal_lines")


def _plan(
    plan_id: int | None,
    broker_id: int | None,
    discount: Decimal | None,
    starts_at: datetime | None,
    ends_at: datetime | None,
    name: str = "pro",
) -> RawRow:
    return _plan_row(plan_id, broker_id, name, discount, starts_at, ends_at, starts_at)


def _journal(journal_id: str, at: datetime, amount: Decimal) -> list[RawRow]:
    """A balanced manual journal: Dr 4900 refunds, Cr 1100 receivable."""
    return [
        _journal_line(journal_id, 1, "4900", amount, D("0.00"), at),
        _journal_line(journal_id, 2, "1100", D("0.00"), amount, at),
    ]


def _journal_line(
    journal_id: str | None,
    line_number: int | None,
    account: str | None,
    debit: Decimal | None,
    credit: Decimal | None,
    at: datetime | None,
    memo: str = "Goodwill credit",
) -> RawRow:
    return _journal_row(journal_id, line_number, account, debit, credit, memo, "m.chen", at)


def as_dataset(rows: dict[str, list[RawRow]]) -> Dataset:
    """Rows by "schema.table" as tuples in DDL order, every raw table present."""
    data: Dataset = {}
    for schema, tables in RAW_TABLES.items():
        for table in tables:
            columns = table_columns(schema, table)
            data[(schema, table)] = [
                tuple(row[c] for c in columns) for row in rows.get(f"{schema}.{table}", [])
            ]
    return data


# --- the classes of bad input ---------------------------------------------------------


@dataclass(frozen=True)
class BadInput:
    """One class of invalid raw data, the rows that stand for it, and how the build says so.

    `test` is a fragment of the failing test's name, `relation` what its printout says it
    read (`source boberdoo.lead_sales`; None for singular tests) and `names` the text of a
    printed row that names the offending raw row, usually its key.
    """

    id: str
    description: str
    table: str
    rows: tuple[RawRow, ...]
    test: str
    names: str
    relation: str | None
    status: str = "FAIL"
    # Rows dated relative to the build: (column, hours after the injection) set on each row.
    hours_ahead: tuple[str, int] | None = None
    extra: dict[str, tuple[RawRow, ...]] = field(default_factory=dict)


# The key column of each table, and the column that carries a per-class marker instead
# when the key itself is the column under test (so the printed row is still findable).
KEYS: dict[str, tuple[str, str]] = {
    "billing.mortgage_broker": ("id", "name"),
    "billing.product": ("id", "code"),
    "billing.product_price": ("product_id", "price"),
    "billing.mortgage_broker_subscription_plan": ("id", "plan_name"),
    **{f"billing.{t}": ("id", lead) for t, (lead, _) in DELIVERY_TABLES.items()},
    "boberdoo.leads": ("lead_id", "lead_type"),
    "boberdoo.lead_sales": ("transaction_id", "price"),
    "boberdoo.broker_deals": ("deal_id", "payout_amount"),
    "boberdoo.call_campaigns": ("campaign_id", "payout_amount"),
    "boberdoo.dispositions": ("disposition_id", "reported_at"),
    "invoca.calls": ("call_id", "started_at"),
    "finance.manual_journal_lines": ("journal_id", "memo"),
}

# Columns the landing contract requires (keys, references, amounts, instants).
REQUIRED: dict[str, tuple[str, ...]] = {
    "billing.mortgage_broker": ("id",),
    "billing.product": ("id", "code"),
    "billing.product_price": ("product_id", "price", "updated_at"),
    "billing.mortgage_broker_subscription_plan": (
        "id",
        "mortgage_broker_id",
        "discount_percent",
        "starts_at",
    ),
    **{
        f"billing.{t}": ("id", lead, "mortgage_broker_id", "created_at")
        for t, (lead, _) in DELIVERY_TABLES.items()
    },
    "boberdoo.leads": ("lead_id", "created_at"),
    "boberdoo.lead_sales": (
        "transaction_id",
        "lead_id",
        "buyer_id",
        "deal_type",
        "price",
        "sold_at",
    ),
    "boberdoo.broker_deals": ("deal_id", "buyer_id", "deal_type", "payout_amount", "starts_at"),
    "boberdoo.call_campaigns": (
        "campaign_id",
        "buyer_id",
        "payout_amount",
        "min_duration_seconds",
        "starts_at",
    ),
    "boberdoo.dispositions": ("disposition_id", "buyer_id", "status", "reported_at"),
    "invoca.calls": ("call_id", "campaign_id", "started_at", "duration_seconds"),
    "finance.manual_journal_lines": (
        "journal_id",
        "line_number",
        "account_code",
        "debit",
        "credit",
        "entered_at",
    ),
}

# Every reference to a mortgage broker (spec 2: a buyer_id that is no broker is an error).
BROKER_REFERENCES: dict[str, str] = {
    "billing.mortgage_broker_subscription_plan": "mortgage_broker_id",
    **{f"billing.{t}": "mortgage_broker_id" for t in DELIVERY_TABLES},
    "boberdoo.lead_sales": "buyer_id",
    "boberdoo.broker_deals": "buyer_id",
    "boberdoo.call_campaigns": "buyer_id",
    "boberdoo.dispositions": "buyer_id",
}

# Every event instant (spec 2: more than a day after the build is an error).
EVENT_COLUMNS: dict[str, str] = {
    **{f"billing.{t}": "created_at" for t in DELIVERY_TABLES},
    "boberdoo.lead_sales": "sold_at",
    "invoca.calls": "started_at",
    "boberdoo.dispositions": "reported_at",
    "finance.manual_journal_lines": "entered_at",
}

INTERVAL_TABLES = (
    "billing.mortgage_broker_subscription_plan",
    "boberdoo.broker_deals",
    "boberdoo.call_campaigns",
)

# (table, column, value, allowed range as the accepted_range test names it)
OUT_OF_RANGE: tuple[tuple[str, str, Any, str], ...] = (
    ("billing.product_price", "price", D("-0.01"), "0"),
    ("billing.mortgage_broker_subscription_plan", "discount_percent", D("-0.01"), "100__0"),
    ("billing.mortgage_broker_subscription_plan", "discount_percent", D("100.01"), "100__0"),
    ("boberdoo.lead_sales", "price", D("-0.01"), "0"),
    ("boberdoo.broker_deals", "payout_amount", D("0.00"), "False__0"),
    ("boberdoo.broker_deals", "payout_amount", D("-5.00"), "False__0"),
    ("boberdoo.call_campaigns", "payout_amount", D("-0.01"), "0"),
    ("boberdoo.call_campaigns", "min_duration_seconds", -1, "0"),
    ("invoca.calls", "duration_seconds", -1, "0"),
    ("finance.manual_journal_lines", "debit", D("-0.01"), "0"),
    ("finance.manual_journal_lines", "credit", D("-0.01"), "0"),
)

UNKNOWN_CODES: tuple[tuple[str, str, str], ...] = (
    ("billing.product", "code", "mortgage_lead"),
    ("boberdoo.lead_sales", "deal_type", "drip"),
    ("boberdoo.broker_deals", "deal_type", "drip"),
    ("boberdoo.dispositions", "status", "maybe"),
)


def template(table: str, n: int) -> list[RawRow]:
    """Valid rows of `table` keyed for class `n` (two lines for a journal, to balance)."""
    key = f"BAD-{n:03d}"
    number = 9000 + n
    marker_at = datetime(2025, 5, 5, 5) + timedelta(seconds=n)
    start = datetime(2020, 1, 1) + timedelta(days=2 * n)
    amount = D(f"{n}.01")
    name = table.split(".")[1]
    if name in DELIVERY_TABLES:
        return [_delivery_row(name, _delivery(number, number, 1, marker_at))]
    end = start + timedelta(days=1)
    rows: dict[str, list[RawRow]] = {
        "mortgage_broker": [{"id": number, "name": key, "created_at": start}],
        "product": [{"id": number, "code": key}],
        "product_price": [{"product_id": number, "price": amount, "updated_at": start}],
        "mortgage_broker_subscription_plan": [_plan(number, 1, D("5.00"), start, end, name=key)],
        "leads": [_lead(key, f"+1555020{n:04d}", key, datetime(2025, 3, 1))],
        "lead_sales": [_sale(key, "L1", 2, "cpa_cpt", amount, marker_at)],
        "broker_deals": [_deal(key, 1, "warm_transfer", amount, start, end)],
        "call_campaigns": [_campaign(key, 1, amount, 60, start, end)],
        "dispositions": [_disposition(key, "T3", None, 2, "contacted", marker_at)],
        "calls": [_call(key, "C1", f"+1555030{n:04d}", marker_at, 30)],
        "manual_journal_lines": [
            {**line, "memo": key} for line in _journal(key, marker_at, amount)
        ],
    }
    return rows[name]


def _names(table: str, row: RawRow, column: str) -> str:
    """The printed `column=value` that finds the row when `column` is changed."""
    key, marker = KEYS[table]
    shown = marker if column == key else key
    return f"{shown}={row[shown]}"


def _source_test(test: str, table: str, column: str) -> str:
    return f"{test}_{table.replace('.', '_')}_{column}"


def _variant(table: str, n: int, **changes: Any) -> tuple[RawRow, ...]:
    """The template rows of class `n` with `changes` made to the first one."""
    first, *rest = template(table, n)
    return ({**first, **changes}, *rest)


def _case(
    id_: str,
    description: str,
    table: str,
    test: str,
    *,
    names: str | None = None,
    column: str = "",
    relation: str | None = "source",
    verdict: str = "FAIL",
    **changes: Any,
) -> Callable[[int], BadInput]:
    """One class made of the template rows with `changes`: every class states only what differs.

    `names` is formatted with the first row's fields; without it, the row is named by its key
    (or its marker when `column` is the key). `relation="source"` reads `source <table>`.
    """

    def make(n: int) -> BadInput:
        rows = _variant(table, n, **changes)
        return BadInput(
            id=id_,
            description=description,
            table=table,
            rows=rows,
            test=test,
            names=names.format(**rows[0]) if names else _names(table, rows[0], column),
            relation=f"source {table}" if relation == "source" else relation,
            status=verdict,
        )

    return make


def _column_case(
    id_: str, description: str, test: str, table: str, column: str, value: Any
) -> Callable[[int], BadInput]:
    """A class of one bad value in one column, the row named by its key (or marker)."""
    return _case(id_, description, table, test, column=column, **{column: value})


def bad_inputs() -> list[BadInput]:
    """Every class, numbered in order so each has its own keys."""
    made = (
        *(
            (f"null-{t}.{c}", f"{t}.{c} is null", "not_null", t, c, None)
            for t, columns in REQUIRED.items()
            for c in columns
        ),
        *(
            (
                f"unknown-broker-{t}.{c}",
                f"{t}.{c} is no billing.mortgage_broker.id",
                "relationships_rows",
                t,
                c,
                777,
            )
            for t, c in BROKER_REFERENCES.items()
        ),
        *(
            (
                f"year-2999-{t}.{c}",
                f"{t}.{c} in the year 2999",
                "not_in_the_future",
                t,
                c,
                FAR_FUTURE,
            )
            for t, c in EVENT_COLUMNS.items()
        ),
    )
    makers = [
        _column_case(id_, text, _source_test(test, t, c), t, c, value)
        for id_, text, test, t, c, value in made
    ]

    def just_over_a_day(n: int) -> BadInput:
        rows = template("boberdoo.lead_sales", n)
        return BadInput(
            id="26-hours-ahead-boberdoo.lead_sales.sold_at",
            description="a sale dated 26 hours after the build (the limit is one day)",
            table="boberdoo.lead_sales",
            rows=tuple(rows),
            test=_source_test("not_in_the_future", "boberdoo.lead_sales", "sold_at"),
            names=f"transaction_id={rows[0]['transaction_id']}",
            relation="source boberdoo.lead_sales",
            hours_ahead=("sold_at", 26),
        )

    makers.append(just_over_a_day)

    for table in INTERVAL_TABLES:
        for kind, shift in (("before", timedelta(days=-1)), ("at", timedelta(0))):

            def interval(
                n: int, table: str = table, kind: str = kind, shift: timedelta = shift
            ) -> BadInput:
                ends_at = template(table, n)[0]["starts_at"] + shift
                return _case(
                    f"ends-{kind}-start-{table}",
                    f"{table}: ends_at {kind} starts_at",
                    table,
                    f"interval_ends_after_start_{table.replace('.', '_')}",
                    column="ends_at",
                    ends_at=ends_at,
                )(n)

            makers.append(interval)

    makers += [
        _column_case(
            f"out-of-range-{t}.{c}={value}",
            f"{t}.{c} = {value}",
            _source_test("accepted_range", t, c) + f"__{bounds}",
            t,
            c,
            value,
        )
        for t, c, value, bounds in OUT_OF_RANGE
    ]
    makers += [
        _column_case(
            f"unknown-{t}.{c}={value}",
            f"{t}.{c} = '{value}', not an accepted value",
            _source_test("accepted_values_rows", t, c),
            t,
            c,
            value,
        )
        for t, c, value in UNKNOWN_CODES
    ]
    makers += _conflicting_duplicates() + _references_and_orders()
    return [make(n) for n, make in enumerate(makers, start=1)]


def _duplicate(
    table: str, row: RawRow, model: str, key_column: str, key: str, source: bool = False
) -> Callable[[int], BadInput]:
    def make(_: int) -> BadInput:
        return BadInput(
            id=f"conflicting-duplicate-{table}",
            description=f"{table}: a second, different row with an existing key ({key})",
            table=table,
            rows=(row,),
            test=(
                _source_test("unique", table, key_column)
                if source
                else f"unique_{model}_{key_column}"
            ),
            names=f"unique_field={key}",
            relation=f"source {table}" if source else f"model {model}",
        )

    return make


def _conflicting_duplicates() -> list[Callable[[int], BadInput]]:
    base = valid_rows(datetime(2025, 12, 1))
    changed = {
        "billing.mortgage_broker": ("name", "Harbor Lending Inc"),
        "billing.product": ("code", "professional_lead_v2"),
        "billing.product_price": ("price", D("70.00")),
        "billing.mortgage_broker_subscription_plan": ("discount_percent", D("15.00")),
        **{f"billing.{t}": ("created_at", datetime(2025, 2, 10)) for t in DELIVERY_TABLES},
        "boberdoo.leads": ("phone", "+15550100099"),
        "boberdoo.lead_sales": ("price", D("1.50")),
        "boberdoo.broker_deals": ("payout_amount", D("160.00")),
        "boberdoo.call_campaigns": ("payout_amount", D("50.00")),
        "boberdoo.dispositions": ("status", "contacted"),
        "invoca.calls": ("duration_seconds", 121),
        "finance.manual_journal_lines": ("debit", D("101.00")),
    }
    models = {
        "billing.mortgage_broker": ("stg_billing__mortgage_brokers", "mortgage_broker_id", "1"),
        "billing.product": ("stg_billing__products", "product_id", "1"),
        "billing.mortgage_broker_subscription_plan": (
            "stg_billing__subscription_plans",
            "subscription_plan_id",
            "1",
        ),
        **{
            f"billing.{t}": (model, "delivery_id", "1") for t, (_, model) in DELIVERY_TABLES.items()
        },
        "boberdoo.leads": ("stg_boberdoo__leads", "lead_id", "L1"),
        "boberdoo.lead_sales": ("stg_boberdoo__lead_sales", "transaction_id", "T1"),
        "boberdoo.broker_deals": ("stg_boberdoo__broker_deals", "deal_id", "D1"),
        "boberdoo.call_campaigns": (
            "stg_boberdoo__call_campaign_terms",
            "campaign_term_id",
            "C1@2025-01-01 00:00:00",
        ),
        "boberdoo.dispositions": ("stg_boberdoo__dispositions", "disposition_id", "DSP1"),
        "invoca.calls": ("stg_invoca__calls", "call_id", "CA1"),
        "finance.manual_journal_lines": (
            "stg_finance__manual_journal_lines",
            "journal_line_id",
            "MJ1:1",
        ),
    }
    makers = []
    for table, (column, value) in changed.items():
        row = {**base[table][0], column: value}
        if table == "billing.product_price":
            # The landing table itself keeps one row per product: tested on the source.
            makers.append(_duplicate(table, row, "", "product_id", "1", source=True))
            continue
        model, key_column, key = models[table]
        makers.append(_duplicate(table, row, model, key_column, key))
    return makers


def _references_and_orders() -> list[Callable[[int], BadInput]]:
    """Classes that involve a second row: a reference, an order, an overlap, a balance."""

    def disposition(
        id_: str, description: str, test: str, **changes: Any
    ) -> Callable[[int], BadInput]:
        names = "disposition_id={disposition_id}"
        return _case(id_, description, "boberdoo.dispositions", test, names=names, **changes)

    def history(product_id: int, price: Decimal, start: datetime, end: datetime | None) -> RawRow:
        return {"product_id": product_id, "price": price, "valid_from": start, "valid_to": end}

    def price_history_overlapping(n: int) -> BadInput:
        # A product of its own, so the overlap is the only thing wrong with its versions.
        product = 9000 + n
        rows = (
            history(product, D("1.00"), datetime(2020, 1, 1), datetime(2020, 3, 1)),
            history(product, D("2.00"), datetime(2020, 2, 1), None),
        )
        return BadInput(
            id="price-history-overlapping",
            description="two versions of one product's cutover price history at once",
            table="billing.product_price_history",
            rows=rows,
            test="no_overlapping_intervals_stg_billing__product_price_history",
            names=f"partition_value={product}",
            relation="model stg_billing__product_price_history",
        )

    def price_history_contradicting_snapshot(n: int) -> BadInput:
        # Land leads have cost 24.99 since the snapshot's first version (2024-11-01).
        price = D(f"{n}.01")
        rows = (history(4, price, datetime(2024, 12, 1), datetime(2025, 1, 1)),)
        return BadInput(
            id="price-history-contradicting-snapshot",
            description="a cutover price that contradicts the snapshot at an instant both cover",
            table="billing.product_price_history",
            rows=rows,
            test="assert_price_history_agrees_with_snapshot",
            names=f"price={price}",
            relation=None,
        )

    def price_history_with_gap(n: int) -> BadInput:
        # Ends a fortnight before the construction price's snapshot begins (2024-11-01).
        start = datetime(2024, 10, 1) + timedelta(hours=n)
        rows = (history(2, D("60.00"), start, datetime(2024, 10, 15)),)
        return BadInput(
            id="price-history-with-gap",
            description="a cutover price history that stops before the snapshot begins",
            table="billing.product_price_history",
            rows=rows,
            test="contiguous_intervals_int_product_price_versions_combined",
            names=f"starts_at={start}",
            relation="model int_product_price_versions_combined",
        )

    def overlapping(table: str, test: str, **changes: Any) -> Callable[[int], BadInput]:
        def make(n: int) -> BadInput:
            rows = _variant(table, n, **changes)
            key = KEYS[table][0]
            shown = rows[0][key]
            if table == "boberdoo.call_campaigns":
                shown = f"{rows[0]['campaign_id']}@{rows[0]['starts_at']}"
            return BadInput(
                id=f"overlapping-{table}",
                description=f"{table}: a second interval overlapping one in force",
                table=table,
                rows=rows,
                test=test,
                names=f"overlapping_key_value={shown}",
                relation=f"model {test.removeprefix('no_overlapping_intervals_')}",
            )

        return make

    def conversion_without_deal(n: int) -> BadInput:
        # Buyer 3 has warm-transfer deals only.
        sale = _variant("boberdoo.lead_sales", n, buyer_id=3)
        key = sale[0]["transaction_id"]
        report = _disposition(
            f"{key}-SOLD", key, None, 3, "sold", sale[0]["sold_at"] + timedelta(days=1)
        )
        return BadInput(
            id="conversion-without-deal",
            description="a sale reported sold whose buyer has no deal of its type in force",
            table="boberdoo.lead_sales",
            rows=sale,
            test="conversions_priced_by_one_deal",
            names=f"key_value={key}",
            relation="model int_sale_conversions_priced",
            extra={"boberdoo.dispositions": (report,)},
        )

    def journal(
        id_: str, description: str, test: str, names: str, lines: list[tuple[str, str, str]]
    ) -> Callable[[int], BadInput]:
        def make(n: int) -> BadInput:
            key = f"BAD-{n:03d}"
            at = datetime(2025, 5, 5, 5) + timedelta(seconds=n)
            rows = tuple(
                _journal_line(key, number, account, D(debit), D(credit), at)
                for number, (account, debit, credit) in enumerate(lines, start=1)
            )
            return BadInput(
                id=id_,
                description=description,
                table="finance.manual_journal_lines",
                rows=rows,
                test=test,
                names=names.format(key=key),
                relation=None,
            )

        return make

    return [
        disposition(
            "disposition-of-unknown-sale",
            "a disposition of a sale that does not exist",
            _source_test("relationships_rows", "boberdoo.dispositions", "transaction_id"),
            transaction_id="NO-SUCH-SALE",
        ),
        disposition(
            "disposition-of-unknown-call",
            "a disposition of a call that does not exist",
            _source_test("relationships_rows", "boberdoo.dispositions", "call_id"),
            transaction_id=None,
            call_id="NO-SUCH-CALL",
        ),
        disposition(
            "disposition-of-sale-and-call",
            "a disposition naming both a sale and a call",
            "expression_is_true_boberdoo_dispositions",
            call_id="CA1",
        ),
        disposition(
            "disposition-of-nothing",
            "a disposition naming neither a sale nor a call",
            "expression_is_true_boberdoo_dispositions",
            transaction_id=None,
        ),
        disposition(
            "disposition-before-its-sale",
            "a disposition reported before the sale it is about",
            "assert_dispositions_reported_after_their_item",
            relation=None,
            transaction_id="T1",
            reported_at=datetime(2025, 2, 28),
        ),
        disposition(
            "disposition-before-its-call",
            "a disposition reported before the call it is about",
            "assert_dispositions_reported_after_their_item",
            relation=None,
            transaction_id=None,
            call_id="CA1",
            buyer_id=3,
            reported_at=datetime(2025, 3, 4),
        ),
        disposition(
            "disposition-of-sale-by-another-broker",
            "a disposition of a sale reported by a broker that did not buy it",
            "assert_dispositions_reported_by_the_buyer",
            relation=None,
            transaction_id="T1",
            buyer_id=3,
        ),
        disposition(
            "disposition-of-call-by-another-broker",
            "a disposition of a call reported by a broker other than the campaign's buyer",
            "assert_dispositions_reported_by_the_buyer",
            relation=None,
            transaction_id=None,
            call_id="CA1",
            buyer_id=1,
        ),
        _case(
            "unknown-lead-boberdoo.lead_sales.lead_id",
            "a sale of a lead boberdoo.leads does not hold (warns; still billed)",
            "boberdoo.lead_sales",
            _source_test("relationships_rows", "boberdoo.lead_sales", "lead_id"),
            names="transaction_id={transaction_id}",
            verdict="WARN",
            lead_id="NO-SUCH-LEAD",
        ),
        _case(  # L4 was created on 2025-03-03 09:00.
            "sale-before-its-lead",
            "a sale dated before its lead was created (warns; still billed)",
            "boberdoo.lead_sales",
            "assert_sales_made_after_their_lead",
            names="transaction_id={transaction_id}",
            relation=None,
            verdict="WARN",
            lead_id="L4",
            sold_at=datetime(2025, 3, 2),
        ),
        _case(
            "unknown-campaign-invoca.calls.campaign_id",
            "a call of a campaign boberdoo does not know (warns; listed, not billed)",
            "invoca.calls",
            "calls_of_unknown_campaigns",
            names="call_id={call_id}",
            relation="model int_calls_priced",
            verdict="WARN",
            campaign_id="NO-SUCH-CAMPAIGN",
            duration_seconds=600,
        ),
        _case(
            "unknown-product-billing.product_price.product_id",
            "a price of a product billing.product does not hold",
            "billing.product_price",
            _source_test("relationships_rows", "billing.product_price", "product_id"),
            names="product_id={product_id}",
        ),
        _case(
            "two-products-one-code",
            "two products with one code (deliveries would have two prices)",
            "billing.product",
            "unique_stg_billing__products_product_code",
            names="unique_field={code}",
            relation="model stg_billing__products",
            code="hard_money_lead",
        ),
        _case(
            "delivery-before-any-price",
            "a delivery before the first price version of its product",
            "billing.mortgage_broker_filter_to_mortgage_lead",
            "deliveries_priced_by_one_price_version",
            names="key_value=professional:{id}",
            relation="model int_lead_deliveries_priced",
            created_at=datetime(2024, 10, 1),
        ),
        price_history_overlapping,
        price_history_contradicting_snapshot,
        price_history_with_gap,
        overlapping(
            "billing.mortgage_broker_subscription_plan",
            "no_overlapping_intervals_stg_billing__subscription_plans",
            mortgage_broker_id=3,
            starts_at=datetime(2025, 3, 1),
            ends_at=datetime(2025, 4, 1),
        ),
        overlapping(
            "boberdoo.broker_deals",
            "no_overlapping_intervals_stg_boberdoo__broker_deals",
            buyer_id=2,
            deal_type="cpa_cpt",
            starts_at=datetime(2025, 2, 1),
            ends_at=None,
        ),
        overlapping(
            "boberdoo.call_campaigns",
            "no_overlapping_intervals_stg_boberdoo__call_campaign_terms",
            campaign_id="C1",
            buyer_id=3,
            starts_at=datetime(2025, 2, 1),
            ends_at=None,
        ),
        conversion_without_deal,
        journal(
            "unbalanced-journal",
            "a manual journal whose debits and credits differ",
            "assert_ledger_balances",
            "transaction_id=manual:{key}",
            [("4900", "12.34", "0.00"), ("1100", "0.00", "12.00")],
        ),
        journal(
            "journal-unbalancing-the-ledger",
            "a manual journal that leaves the whole ledger's debits and credits unequal",
            "assert_ledger_balances",
            "transaction_id=(whole ledger)",
            [("1100", "100.00", "0.00")],
        ),
        journal(
            "journal-line-unknown-account",
            "a manual journal line on an account missing from the chart",
            "assert_ledger_entries_well_formed",
            "entry_id=manual:{key}:1",
            [("4999", "7.00", "0.00"), ("1100", "0.00", "7.00")],
        ),
        journal(
            "journal-line-debit-and-credit",
            "a manual journal line with both a debit and a credit",
            "assert_ledger_entries_well_formed",
            "entry_id=manual:{key}:1",
            [("4900", "5.00", "5.00")],
        ),
        journal(
            "journal-line-of-zero",
            "a manual journal line with neither a debit nor a credit",
            "assert_ledger_entries_well_formed",
            "entry_id=manual:{key}:1",
            [("4900", "0.00", "0.00")],
        ),
    ]


def rows_to_add(classes: list[BadInput], now: datetime) -> Iterator[tuple[str, list[RawRow]]]:
    """The rows of all `classes` by table, dated relative to `now` where a class says so."""
    by_table: dict[str, list[RawRow]] = {}
    for bad in classes:
        rows = list(bad.rows)
        if bad.hours_ahead is not None:
            column, hours = bad.hours_ahead
            rows = [{**row, column: now + timedelta(hours=hours)} for row in rows]
        by_table.setdefault(bad.table, []).extend(rows)
        for table, extra in bad.extra.items():
            by_table.setdefault(table, []).extend(extra)
    yield from by_table.items()
