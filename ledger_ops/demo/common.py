"""Dates, money and random helpers shared by the demo data generators."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TypeVar

Row = tuple[object, ...]
T = TypeVar("T")

# Deals and campaign terms start here, so every sale and call falls inside one.
TERMS_START = datetime(2024, 12, 1)
DELIVERIES_START = datetime(2024, 12, 15)
# The default ledger_start_date: a little data before it checks that it is applied.
LEDGER_START = datetime(2025, 1, 1)
# Exclusive end: the data is as of the first second of 2026.
PERIOD_END = datetime(2026, 1, 1)
# Before every delivery, so the first snapshot version prices all of them.
PRICE_UPDATED_AT = datetime(2024, 11, 1)

ZERO = Decimal("0.00")
AREA_CODES = (212, 305, 312, 404, 415, 512, 602, 617, 704, 713, 786, 818, 904, 919, 972)


@dataclass(frozen=True)
class Broker:
    id: int
    name: str
    created_at: datetime
    weight: float  # brokers differ a lot in volume


def cents(amount: int) -> Decimal:
    """Money from integer cents, always with two places (never via float)."""
    return Decimal(amount).scaleb(-2)


def instant(rng: random.Random, start: datetime, end: datetime) -> datetime:
    """A whole second in [start, end)."""
    return start + timedelta(seconds=rng.randrange(int((end - start).total_seconds())))


def day(rng: random.Random, start: datetime, end: datetime) -> datetime:
    """A midnight in [start, end); start must be a midnight."""
    return start + timedelta(days=rng.randrange((end - start).days))


def boundary(rng: random.Random, start: datetime, end: datetime) -> datetime:
    """A term change instant: usually midnight, now and then during business hours."""
    at = day(rng, start, end)
    if rng.random() < 0.25:
        at += timedelta(hours=rng.randint(9, 17), minutes=rng.choice((0, 15, 30, 45)))
    return at


def change_instants(rng: random.Random, count: int) -> list[datetime]:
    """Distinct term change instants during 2025, in order."""
    instants: set[datetime] = set()
    while len(instants) < count:
        instants.add(boundary(rng, datetime(2025, 2, 1), datetime(2025, 12, 1)))
    return sorted(instants)


def scaled(base: int, scale: float, minimum: int) -> int:
    return max(minimum, round(base * scale))


def apportion(total: int, weights: Sequence[int]) -> list[int]:
    """`total` divided in proportion to `weights` (largest remainder), summing to `total`.

    Exact quotas rather than a coin per row keep the proportions steady at small scales.
    """
    exact = [total * w / sum(weights) for w in weights]
    counts = [math.floor(x) for x in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: counts[i] - exact[i])
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return counts


def shuffled_quota(
    rng: random.Random, total: int, kinds: Sequence[T], weights: Sequence[int]
) -> list[T]:
    """`total` kinds in proportion to `weights`, in random order."""
    counts = apportion(total, weights)
    drawn = [kind for kind, count in zip(kinds, counts, strict=True) for _ in range(count)]
    rng.shuffle(drawn)
    return drawn


def new_phone(rng: random.Random, used: set[str]) -> str:
    """A US number in E.164 that is not in `used` (and is added to it)."""
    while True:
        phone = f"+1{rng.choice(AREA_CODES)}{rng.randint(200, 999)}{rng.randint(0, 9999):04d}"
        if phone not in used:
            used.add(phone)
            return phone


def weighted(rng: random.Random, brokers: Sequence[Broker]) -> Broker:
    return rng.choices(brokers, weights=[b.weight for b in brokers])[0]
