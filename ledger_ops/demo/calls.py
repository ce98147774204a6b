"""Call campaigns (schema `boberdoo`) and the calls tracked by Invoca (schema `invoca`)."""

from __future__ import annotations

from dataclasses import dataclass

from ledger_ops.demo.common import (
    DAY,
    PERIOD_END,
    TERMS_START,
    Draws,
    Row,
    Weighted,
    order_by,
    shuffled_quota,
)
from ledger_ops.demo.sales import Leads

# Payouts in cents.
CALL_PAYOUTS = (3500, 4250, 5000, 5500, 6500, 8000)
MIN_DURATIONS = (60, 90, 120)
TERMS_PER_CAMPAIGN = Weighted((1, 2, 3), (30, 45, 25))
# Campaigns Invoca tracks but boberdoo does not know: listed for review, never billed.
UNKNOWN_CAMPAIGNS = ("CMP-UNKNOWN-1", "CMP-UNKNOWN-2")
# Duration classes against the campaign's minimum: about 20% of calls are too short.
# Unknown campaigns are 5% of calls and phones of no lead 10%.
DURATION_KINDS = ("short", "one_under", "exact", "long")
DURATION_WEIGHTS = (15, 4, 4, 77)

# A row of invoca.calls: call_id, campaign_id, caller_phone, started_at, duration_seconds.
CallRow = tuple[str, str, str, int, int]


@dataclass(frozen=True)
class CampaignTerm:
    campaign_id: str
    buyer_id: int
    payout: int
    min_duration: int
    starts_at: int
    ends_at: int | None


class Campaigns:
    """Every campaign term, indexed by campaign for the lookup of the terms in force."""

    def __init__(self, terms: list[CampaignTerm]) -> None:
        self.terms = terms
        self._by_id: dict[str, list[CampaignTerm]] = {}
        for term in terms:
            self._by_id.setdefault(term.campaign_id, []).append(term)
        self.ids = list(self._by_id)

    def active(self, campaign_id: str, at: int) -> CampaignTerm | None:
        """The campaign's terms in force at `at` (half-open), None for an unknown campaign."""
        for term in self._by_id.get(campaign_id, ()):
            if term.starts_at <= at and (term.ends_at is None or at < term.ends_at):
                return term
        return None


def make_campaigns(draws: Draws, count: int, brokers: Weighted[int]) -> Campaigns:
    """Campaigns of one buyer each, with one to three consecutive terms, the last open."""
    terms = []
    for index in range(count):
        campaign_id = f"CMP-{1001 + index}"
        buyer_id = brokers.draw(draws)
        size = TERMS_PER_CAMPAIGN.draw(draws)
        # One campaign with term changes and one without, whatever the scale.
        size = {0: max(size, 2), 1: 1}.get(index, size)
        changes = draws.change_instants(size - 1)
        payout = draws.pick(CALL_PAYOUTS)
        minimum = draws.pick(MIN_DURATIONS)
        ends: list[int | None] = [*changes, None]
        for starts_at, ends_at in zip([TERMS_START, *changes], ends, strict=True):
            terms.append(CampaignTerm(campaign_id, buyer_id, payout, minimum, starts_at, ends_at))
            payout = draws.pick([p for p in CALL_PAYOUTS if p != payout])
            if draws.random() < 0.5:
                minimum = draws.pick([m for m in MIN_DURATIONS if m != minimum])
    return Campaigns(terms)


def _duration(draws: Draws, minimum: int, kind: str) -> int:
    if kind == "short":
        return draws.between(0, minimum - 2)
    if kind == "one_under":
        return minimum - 1
    if kind == "exact":
        return minimum
    return minimum + draws.between(1, 1800)


class _Calls:
    """Calls as columns: when, phone, campaign, duration."""

    def __init__(self, draws: Draws, campaigns: Campaigns) -> None:
        self._draws = draws
        self._campaigns = campaigns
        self._at: list[int] = []
        self._phone: list[str] = []
        self._campaign: list[str] = []
        self._duration: list[int] = []

    def __len__(self) -> int:
        return len(self._at)

    def add(self, campaign_id: str, phone: str, at: int, kind: str) -> None:
        term = self._campaigns.active(campaign_id, at)
        minimum = term.min_duration if term else MIN_DURATIONS[0]
        self._at.append(at)
        self._phone.append(phone)
        self._campaign.append(campaign_id)
        self._duration.append(_duration(self._draws, minimum, kind))

    def rows(self) -> list[CallRow]:
        """Call ids in order of the call; the same instant keeps the order of `add`."""
        return [
            (f"CA-{n:07d}", self._campaign[i], self._phone[i], self._at[i], self._duration[i])
            for n, i in enumerate(order_by(self._at), start=1)
        ]


def make_calls(
    draws: Draws, count: int, leads: Leads, campaigns: Campaigns, used_phones: set[str]
) -> list[CallRow]:
    """Calls mostly from lead phones, some from nobody's, a few to unknown campaigns."""
    # Numbers of no lead; a few of them call more than once.
    stray_phones = [draws.phone(used_phones) for _ in range(max(3, count // 15))]
    calls = _Calls(draws, campaigns)

    def after_lead(lead: int) -> int:
        created_at = leads.created[lead]
        room = PERIOD_END - created_at - 1
        return created_at + draws.between(0, min(14 * DAY, room))

    def any_lead() -> int:
        return draws.below(len(leads))

    # Pinned cases first, so they exist at every scale.
    for term in campaigns.terms:
        if term.starts_at != TERMS_START:
            phone = leads.phones[leads.before(draws, term.starts_at)]
            calls.add(term.campaign_id, phone, term.starts_at, "long")
    tie_call_at = leads.tie_at + draws.between(60, DAY)
    calls.add(draws.pick(campaigns.ids), leads.tie_phone, tie_call_at, "long")
    lead = any_lead()
    calls.add(draws.pick(campaigns.ids), leads.phones[lead], leads.created[lead], "long")
    for kind in ("exact", "exact", "one_under", "one_under"):
        lead = any_lead()
        calls.add(draws.pick(campaigns.ids), leads.phones[lead], after_lead(lead), kind)
    lead = any_lead()
    calls.add(UNKNOWN_CAMPAIGNS[0], leads.phones[lead], after_lead(lead), "long")

    rest = max(0, count - len(calls))
    unknown = shuffled_quota(draws, rest, (True, False), (5, 95))
    stray = shuffled_quota(draws, rest, (True, False), (10, 90))
    kinds = shuffled_quota(draws, rest, DURATION_KINDS, DURATION_WEIGHTS)
    for is_unknown, is_stray, kind in zip(unknown, stray, kinds, strict=True):
        campaign_id = draws.pick(UNKNOWN_CAMPAIGNS if is_unknown else campaigns.ids)
        if is_stray:
            phone, at = draws.pick(stray_phones), draws.instant(TERMS_START, PERIOD_END)
        else:
            lead = any_lead()
            phone, at = leads.phones[lead], after_lead(lead)
        calls.add(campaign_id, phone, at, kind)
    return calls.rows()


def campaigns_rows(campaigns: Campaigns) -> list[Row]:
    return [
        (t.campaign_id, t.buyer_id, t.payout, t.min_duration, t.starts_at, t.ends_at)
        for t in campaigns.terms
    ]
