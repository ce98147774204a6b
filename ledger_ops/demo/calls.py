"""Call campaigns (schema `boberdoo`) and the calls tracked by Invoca (schema `invoca`)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from ledger_ops.demo.common import (
    PERIOD_END,
    TERMS_START,
    Broker,
    Row,
    change_instants,
    instant,
    new_phone,
    shuffled_quota,
    weighted,
)
from ledger_ops.demo.sales import Lead, lead_before

CALL_PAYOUTS = ("35.00", "42.50", "50.00", "55.00", "65.00", "80.00")
MIN_DURATIONS = (60, 90, 120)
# Campaigns Invoca tracks but boberdoo does not know: listed for review, never billed.
UNKNOWN_CAMPAIGNS = ("CMP-UNKNOWN-1", "CMP-UNKNOWN-2")
# Duration classes against the campaign's minimum: about 20% of calls are too short.
# Unknown campaigns are 5% of calls and phones of no lead 10%.
DURATION_KINDS = ("short", "one_under", "exact", "long")
DURATION_WEIGHTS = (15, 4, 4, 77)


@dataclass(frozen=True)
class CampaignTerm:
    campaign_id: str
    buyer_id: int
    payout: Decimal
    min_duration: int
    starts_at: datetime
    ends_at: datetime | None


@dataclass(frozen=True)
class Call:
    call_id: str
    campaign_id: str
    caller_phone: str
    started_at: datetime
    duration_seconds: int


def make_campaigns(rng: random.Random, count: int, brokers: Sequence[Broker]) -> list[CampaignTerm]:
    """Campaigns of one buyer each, with one to three consecutive terms, the last open."""
    terms = []
    for index in range(count):
        campaign_id = f"CMP-{1001 + index}"
        buyer_id = weighted(rng, brokers).id
        size = rng.choices((1, 2, 3), weights=(30, 45, 25))[0]
        # One campaign with term changes and one without, whatever the scale.
        size = {0: max(size, 2), 1: 1}.get(index, size)
        changes = change_instants(rng, size - 1)
        payout = rng.choice(CALL_PAYOUTS)
        minimum = rng.choice(MIN_DURATIONS)
        ends: list[datetime | None] = [*changes, None]
        for starts_at, ends_at in zip([TERMS_START, *changes], ends, strict=True):
            terms.append(
                CampaignTerm(campaign_id, buyer_id, Decimal(payout), minimum, starts_at, ends_at)
            )
            payout = rng.choice([p for p in CALL_PAYOUTS if p != payout])
            if rng.random() < 0.5:
                minimum = rng.choice([m for m in MIN_DURATIONS if m != minimum])
    return terms


def active_term(
    campaigns: Sequence[CampaignTerm], campaign_id: str, at: datetime
) -> CampaignTerm | None:
    """The campaign's terms in force at `at` (half-open), None for an unknown campaign."""
    for term in campaigns:
        if (
            term.campaign_id == campaign_id
            and term.starts_at <= at
            and (term.ends_at is None or at < term.ends_at)
        ):
            return term
    return None


def _duration(rng: random.Random, minimum: int, kind: str) -> int:
    if kind == "short":
        return rng.randint(0, minimum - 2)
    if kind == "one_under":
        return minimum - 1
    if kind == "exact":
        return minimum
    return minimum + rng.randint(1, 1800)


def make_calls(
    rng: random.Random,
    count: int,
    leads: Sequence[Lead],
    tie_phone: str,
    campaigns: Sequence[CampaignTerm],
    used_phones: set[str],
) -> list[Call]:
    """Calls mostly from lead phones, some from nobody's, a few to unknown campaigns."""
    campaign_ids = list(dict.fromkeys(t.campaign_id for t in campaigns))
    # Numbers of no lead; a few of them call more than once.
    stray_phones = [new_phone(rng, used_phones) for _ in range(max(3, count // 15))]
    pending: list[tuple[datetime, str, str, int]] = []

    def after_lead(lead: Lead) -> datetime:
        room = int((PERIOD_END - lead.created_at).total_seconds()) - 1
        return lead.created_at + timedelta(seconds=rng.randint(0, min(14 * 86400, room)))

    def call(campaign_id: str, phone: str, at: datetime, kind: str) -> None:
        term = active_term(campaigns, campaign_id, at)
        minimum = term.min_duration if term else MIN_DURATIONS[0]
        pending.append((at, phone, campaign_id, _duration(rng, minimum, kind)))

    # Pinned cases first, so they exist at every scale.
    for term in campaigns:
        if term.starts_at != TERMS_START:
            phone = lead_before(rng, leads, term.starts_at).phone
            call(term.campaign_id, phone, term.starts_at, "long")
    tie_at = next(lead.created_at for lead in leads if lead.phone == tie_phone)
    call(
        rng.choice(campaign_ids),
        tie_phone,
        tie_at + timedelta(seconds=rng.randint(60, 86400)),
        "long",
    )
    lead = rng.choice(leads)
    call(rng.choice(campaign_ids), lead.phone, lead.created_at, "long")
    for kind in ("exact", "exact", "one_under", "one_under"):
        lead = rng.choice(leads)
        call(rng.choice(campaign_ids), lead.phone, after_lead(lead), kind)
    lead = rng.choice(leads)
    call(UNKNOWN_CAMPAIGNS[0], lead.phone, after_lead(lead), "long")

    rest = max(0, count - len(pending))
    unknown = shuffled_quota(rng, rest, (True, False), (5, 95))
    stray = shuffled_quota(rng, rest, (True, False), (10, 90))
    kinds = shuffled_quota(rng, rest, DURATION_KINDS, DURATION_WEIGHTS)
    for is_unknown, is_stray, kind in zip(unknown, stray, kinds, strict=True):
        campaign_id = rng.choice(UNKNOWN_CAMPAIGNS if is_unknown else campaign_ids)
        if is_stray:
            phone, at = rng.choice(stray_phones), instant(rng, TERMS_START, PERIOD_END)
        else:
            lead = rng.choice(leads)
            phone, at = lead.phone, after_lead(lead)
        call(campaign_id, phone, at, kind)
    pending.sort(key=lambda c: (c[0], c[1], c[2]))
    return [
        Call(f"CA-{n:07d}", campaign_id, phone, at, duration)
        for n, (at, phone, campaign_id, duration) in enumerate(pending, start=1)
    ]


def campaigns_rows(campaigns: Sequence[CampaignTerm]) -> list[Row]:
    return [
        (t.campaign_id, t.buyer_id, t.payout, t.min_duration, t.starts_at, t.ends_at)
        for t in campaigns
    ]


def calls_rows(calls: Sequence[Call]) -> list[Row]:
    return [
        (c.call_id, c.campaign_id, c.caller_phone, c.started_at, c.duration_seconds) for c in calls
    ]
