"""Time, money and random draws shared by the demo data generators.

Whole columns drawn at once with NumPy, so scale 1000 (a year of production) takes seconds:
timestamps int64 seconds since 1970 (naive UTC), numerics int64 hundredths, text object arrays.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from numpy.typing import NDArray

Row = tuple[object, ...]
Ints = NDArray[np.int64]
Bools = NDArray[np.bool_]
Texts = NDArray[np.object_]
# Column name -> values, every column of a raw table, in DDL order.
Table = dict[str, NDArray[Any]]
Rng = np.random.Generator

MINUTE, HOUR, DAY = 60, 3600, 86_400


def seconds(at: datetime) -> int:
    """Whole seconds since 1970-01-01 of a naive UTC datetime."""
    return (at - datetime(1970, 1, 1)) // timedelta(seconds=1)


# Deals and campaign terms start here, so every sale and call falls inside one.
TERMS_START = seconds(datetime(2024, 12, 1))
DELIVERIES_START = seconds(datetime(2024, 12, 15))
# The default ledger_start_date: a little data before it checks that it is applied.
LEDGER_START = seconds(datetime(2025, 1, 1))
# Exclusive end: the data is as of the first second of 2026.
PERIOD_END = seconds(datetime(2026, 1, 1))
# Before every delivery, so the first snapshot version prices all of them.
PRICE_UPDATED_AT = seconds(datetime(2024, 11, 1))
# Deal and campaign terms change within these.
_CHANGES_FROM, _CHANGES_UNTIL = seconds(datetime(2025, 2, 1)), seconds(datetime(2025, 12, 1))

AREA_CODES = (212, 305, 312, 404, 415, 512, 602, 617, 704, 713, 786, 818, 904, 919, 972)
# Seven-digit local numbers whose exchange (first three digits) is 200-999.
_LOCAL_FIRST, _LOCAL_COUNT = 2_000_000, 8_000_000


def texts(values: Iterable[str | None]) -> Texts:
    """An object array of str (None for NULL): DuckDB reads it as VARCHAR.

    A NumPy string array ('<U9') would be read as an ENUM of all its values instead.
    """
    items = list(values)
    array = np.empty(len(items), dtype=object)
    array[:] = items
    return array


def labels(prefix: str, numbers: Iterable[int], width: int) -> Texts:
    """Ids such as BL-000001: the prefix, then the number zero-padded to `width`."""
    return texts([f"{prefix}{n:0{width}d}" for n in numbers])


def timestamps(values: Ints, null: Bools | None = None) -> NDArray[np.datetime64]:
    """Seconds since 1970 as datetime64[s], NaT (NULL) where `null`."""
    stamps = values.astype("datetime64[s]")
    if null is not None:
        stamps[null] = np.datetime64("NaT")
    return stamps


def integers(rng: Rng, low: int, high: int | Ints, size: int | tuple[int, ...]) -> Ints:
    """Integers in [low, high], both included."""
    return rng.integers(low, high, size, endpoint=True)


def instants(rng: Rng, start: int | Ints, end: int | Ints, size: int | tuple[int, ...]) -> Ints:
    """Whole seconds in [start, end)."""
    return rng.integers(start, end, size)


def days(rng: Rng, start: int, end: int, size: int | tuple[int, ...]) -> Ints:
    """Midnights in [start, end); start must be a midnight."""
    return start + DAY * rng.integers(0, (end - start) // DAY, size)


def boundaries(rng: Rng, start: int, end: int, size: int | tuple[int, ...]) -> Ints:
    """Term change instants: usually midnight, now and then during business hours."""
    at = days(rng, start, end, size)
    during_business = rng.random(size) < 0.25
    offset = HOUR * integers(rng, 9, 17, size) + MINUTE * rng.choice((0, 15, 30, 45), size)
    return at + np.where(during_business, offset, 0)


def change_instants(rng: Rng, size: int) -> Ints:
    """Two different term change instants during 2025 per row, shape (size, 2).

    Unordered, so that a row using only the first one takes an unbiased instant.
    """
    pairs = boundaries(rng, _CHANGES_FROM, _CHANGES_UNTIL, (size, 2))
    while (same := pairs[:, 0] == pairs[:, 1]).any():
        pairs[same, 1] = boundaries(rng, _CHANGES_FROM, _CHANGES_UNTIL, int(same.sum()))
    return pairs


def choose(rng: Rng, weights: Sequence[float] | NDArray[np.float64], size: int) -> Ints:
    """Indices into `weights`, each drawn with a probability proportional to its weight."""
    p = np.asarray(weights, dtype=np.float64)
    return rng.choice(len(p), size=size, p=p / p.sum())


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


def shuffled_quota(rng: Rng, total: int, weights: Sequence[int]) -> Ints:
    """`total` indices into `weights`, in exact proportion to them, in random order."""
    counts = apportion(total, weights)
    return rng.permutation(np.repeat(np.arange(len(weights)), counts))


def stable_order(keys: Ints) -> Ints:
    """Positions by ascending key; equal keys keep their order."""
    return np.argsort(keys, kind="stable")


def runs(sizes: Ints) -> tuple[Ints, Ints]:
    """For runs of the given sizes laid end to end: the run and the slot in it of each row."""
    run = np.repeat(np.arange(len(sizes)), sizes)
    starts = np.cumsum(sizes) - sizes
    return run, np.arange(len(run)) - starts[run]


def repeated_in_run(run: Ints, values: Ints) -> Bools:
    """Whether each value already occurs in its run at an earlier row.

    Runs are contiguous and short (a few rows), so each row is compared with the few
    rows before it: vector comparisons, no sort.
    """
    repeated = np.zeros(len(run), dtype=bool)
    longest = int(np.bincount(run).max()) if len(run) else 0
    for k in range(1, longest):
        repeated[k:] |= (run[k:] == run[:-k]) & (values[k:] == values[:-k])
    return repeated


def first_occurrences(values: Ints) -> Bools:
    """Whether each value occurs here for the first time (no earlier equal value)."""
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    first = np.ones(len(values), dtype=bool)
    first[order[1:]] = ordered[1:] != ordered[:-1]
    return first


class PhoneBook:
    """US numbers in E.164, never the same one twice across `take` calls."""

    def __init__(self, rng: Rng) -> None:
        self._rng = rng
        self._used = np.empty(0, dtype=np.int64)  # sorted

    def take(self, count: int) -> Texts:
        fresh = np.empty(0, dtype=np.int64)
        while len(fresh) < count:
            drawn = self._rng.integers(0, len(AREA_CODES) * _LOCAL_COUNT, count - len(fresh) + 16)
            # Membership by binary search: np.isin hashes, several times slower here.
            at = np.minimum(np.searchsorted(self._used, drawn), max(len(self._used) - 1, 0))
            used = self._used[at] == drawn if len(self._used) else np.zeros(len(drawn), bool)
            drawn = drawn[first_occurrences(drawn) & ~used][: count - len(fresh)]
            fresh = np.concatenate([fresh, drawn])
            self._used = np.sort(np.concatenate([self._used, drawn]))
        area, local = np.divmod(fresh, _LOCAL_COUNT)
        return texts(
            f"+1{AREA_CODES[a]}{_LOCAL_FIRST + n}"
            for a, n in zip(area.tolist(), local.tolist(), strict=True)
        )


@dataclass(frozen=True)
class Brokers:
    """Every mortgage broker, as columns; ids are 1..n, position = id - 1."""

    ids: Ints
    names: Texts
    created_at: Ints
    weights: NDArray[np.float64]  # brokers differ a lot in volume

    def __len__(self) -> int:
        return len(self.ids)

    def draw(self, rng: Rng, size: int) -> Ints:
        """Broker ids, each broker drawn in proportion to its volume."""
        return self.ids[choose(rng, self.weights, size)]


@dataclass(frozen=True)
class Terms:
    """Consecutive terms of a deal or a campaign, as columns: each from starts_at, until
    ends_at unless open."""

    starts_at: Ints
    ends_at: Ints  # meaningless where open
    open: Bools

    def period(self) -> Table:
        return {
            "starts_at": timestamps(self.starts_at),
            "ends_at": timestamps(self.ends_at, null=self.open),
        }
