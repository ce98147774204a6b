"""Time, money and random draws shared by the demo data generators.

The generators work in integers: timestamps are whole seconds since EPOCH (naive UTC)
and money is cents. Building a datetime or a Decimal per value costs more than drawing
it; `ledger_ops.demo.tables` converts once, at the end, to whatever the consumer needs
(public rows or CSV text). Tables are built as parallel lists (columns) and zipped into
rows at the end: an append to a list is cheaper than a tuple per intermediate record.
"""

from __future__ import annotations

import gc
import math
import random
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

Row = tuple[object, ...]
T = TypeVar("T")

# Not 1970: seconds since 2020 stay below 2**30 until 2054, the ints that Python
# stores in one digit and its sort compares fastest.
EPOCH = datetime(2020, 1, 1)
MINUTE, HOUR, DAY = 60, 3600, 86_400


def seconds(at: datetime) -> int:
    """Whole seconds since the epoch of a naive UTC datetime."""
    return int((at - EPOCH).total_seconds())


# Deals and campaign terms start here, so every sale and call falls inside one.
TERMS_START = seconds(datetime(2024, 12, 1))
DELIVERIES_START = seconds(datetime(2024, 12, 15))
# The default ledger_start_date: a little data before it checks that it is applied.
LEDGER_START = seconds(datetime(2025, 1, 1))
# Exclusive end: the data is as of the first second of 2026.
PERIOD_END = seconds(datetime(2026, 1, 1))
# Before every delivery, so the first snapshot version prices all of them.
PRICE_UPDATED_AT = seconds(datetime(2024, 11, 1))

_CHANGES_FROM, _CHANGES_UNTIL = seconds(datetime(2025, 2, 1)), seconds(datetime(2025, 12, 1))

AREA_CODES = (212, 305, 312, 404, 415, 512, 602, 617, 704, 713, 786, 818, 904, 919, 972)
# Seven-digit local numbers whose exchange (first three digits) is 200-999.
_LOCAL_FIRST, _LOCAL_COUNT = 2_000_000, 8_000_000


@dataclass(frozen=True)
class Broker:
    id: int
    name: str
    created_at: int
    weight: float  # brokers differ a lot in volume


class Draws:
    """Every random value of one generation, all from one seeded `random.Random`.

    Only `random()` is drawn from: it is a single C call, whereas choices, shuffle and
    sample add Python-level work per value, which at a million rows is most of the
    time. `int(random() * n)` is off uniform by less than n / 2**53, far below anything
    a demo data set could show, and never reaches n (the product rounds below it).
    """

    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed).random

    def below(self, n: int) -> int:
        """An integer in [0, n)."""
        return int(self.random() * n)

    def between(self, low: int, high: int) -> int:
        """An integer in [low, high], both included."""
        return low + int(self.random() * (high - low + 1))

    def integers(self, low: int, high: int, k: int) -> list[int]:
        """`k` integers in [low, high], both included: one list, no call per value."""
        rand, span = self.random, high - low + 1
        return [low + int(rand() * span) for _ in range(k)]

    def instants(self, start: int, end: int, k: int) -> list[int]:
        """`k` whole seconds in [start, end)."""
        rand, span = self.random, end - start
        return [start + int(rand() * span) for _ in range(k)]

    def chance(self, probability: float) -> bool:
        return self.random() < probability

    def pick(self, items: Sequence[T]) -> T:
        return items[int(self.random() * len(items))]

    def shuffle(self, items: list[T]) -> None:
        """Fisher-Yates in place."""
        rand = self.random
        for i in range(len(items) - 1, 0, -1):
            j = int(rand() * (i + 1))
            items[i], items[j] = items[j], items[i]

    def sample(self, items: Sequence[T], k: int) -> list[T]:
        """`k` distinct items in random order (a partial Fisher-Yates on a copy)."""
        pool = list(items)
        rand = self.random
        for i in range(k):
            j = i + int(rand() * (len(pool) - i))
            pool[i], pool[j] = pool[j], pool[i]
        return pool[:k]

    def selection(self, n: int, k: int) -> Iterator[bool]:
        """For each of `n` positions in order, whether it is one of exactly `k` chosen.

        Selection sampling (Knuth's algorithm S): one draw per position, no index set.
        """
        rand = self.random
        for i in range(n):
            if int(rand() * (n - i)) < k:
                k -= 1
                yield True
            else:
                yield False

    def instant(self, start: int, end: int) -> int:
        """A whole second in [start, end)."""
        return start + int(self.random() * (end - start))

    def day(self, start: int, end: int) -> int:
        """A midnight in [start, end); start must be a midnight."""
        return start + DAY * int(self.random() * ((end - start) // DAY))

    def boundary(self, start: int, end: int) -> int:
        """A term change instant: usually midnight, now and then during business hours."""
        at = self.day(start, end)
        if self.random() < 0.25:
            at += self.between(9, 17) * HOUR + self.pick((0, 15, 30, 45)) * MINUTE
        return at

    def change_instants(self, count: int) -> list[int]:
        """Distinct term change instants during 2025, in order."""
        instants: set[int] = set()
        while len(instants) < count:
            instants.add(self.boundary(_CHANGES_FROM, _CHANGES_UNTIL))
        return sorted(instants)

    def phone(self, used: set[str]) -> str:
        """A US number in E.164 that is not in `used` (and is added to it)."""
        while True:
            area, local = divmod(self.below(len(AREA_CODES) * _LOCAL_COUNT), _LOCAL_COUNT)
            phone = f"+1{AREA_CODES[area]}{_LOCAL_FIRST + local}"
            if phone not in used:
                used.add(phone)
                return phone


class Weighted(Generic[T]):
    """Draws items in proportion to their weights in O(1), by Walker's alias method.

    A draw reads two slots of two lists whatever the population: a bisect over
    cumulative weights reads some log2(n) floats scattered in memory, which at 40,000
    brokers was most of the time of the deliveries. Built once per population.
    """

    def __init__(self, items: Sequence[T], weights: Sequence[float]) -> None:
        n = len(items)
        if not n or n != len(weights) or min(weights) < 0 or not sum(weights) > 0:
            raise ValueError("need one non-negative weight per item and a positive total")
        total = sum(weights)
        # Each slot i keeps item i with probability share[i] and hands the rest of its
        # 1/n over to alias[i]; slots are filled from the smallest and largest shares.
        share = [w * n / total for w in weights]
        alias = list(range(n))
        small = [i for i in range(n) if share[i] < 1.0]
        large = [i for i in range(n) if share[i] >= 1.0]
        while small and large:
            low, high = small.pop(), large.pop()
            alias[low] = high
            share[high] -= 1.0 - share[low]
            (small if share[high] < 1.0 else large).append(high)
        for i in small + large:  # what rounding leaves over keeps its whole slot
            share[i] = 1.0
        self.items = list(items)
        self._n = n
        # Slot i of a uniform u in [0, n) keeps its item while u < i + share[i].
        self._keep_below = [i + share[i] for i in range(n)]
        self._aliased = [self.items[alias[i]] for i in range(n)]

    def __len__(self) -> int:
        return self._n

    def draw(self, draws: Draws) -> T:
        # One uniform gives both the slot (integer part) and the coin (fraction).
        u = draws.random() * self._n
        slot = int(u)
        return self.items[slot] if u < self._keep_below[slot] else self._aliased[slot]

    def draw_many(self, draws: Draws, k: int) -> list[T]:
        """`k` independent draws: one list, no call per value."""
        rand, n, items, keep_below, aliased = (
            draws.random,
            self._n,
            self.items,
            self._keep_below,
            self._aliased,
        )
        return [
            items[slot] if u < keep_below[slot] else aliased[slot]
            for u in (rand() * n for _ in range(k))
            for slot in (int(u),)
        ]

    def distinct(self, draws: Draws, k: int) -> list[T]:
        """`k` different items (k <= len(self)), a repeat drawn again."""
        if k == 1:
            return [self.draw(draws)]
        picked: list[T] = []
        while len(picked) < k:
            item = self.draw(draws)
            if item not in picked:
                picked.append(item)
        return picked


def order_by(keys: Sequence[int]) -> list[int]:
    """Positions of `keys` by ascending key, ties in position order (a stable sort).

    Sorting positions by a list of small ints is several times faster than sorting
    tuples, which compare element by element.
    """
    return sorted(range(len(keys)), key=keys.__getitem__)


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while millions of rows are built.

    They form no reference cycles, yet each collection walks every live one: at scale
    1000 that was a fifth of the generation time.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


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


def shuffled_quota(draws: Draws, total: int, kinds: Sequence[T], weights: Sequence[int]) -> list[T]:
    """`total` kinds in proportion to `weights`, in random order."""
    counts = apportion(total, weights)
    drawn = [kind for kind, count in zip(kinds, counts, strict=True) for _ in range(count)]
    draws.shuffle(drawn)
    return drawn
