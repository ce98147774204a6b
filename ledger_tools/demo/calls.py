"""Call campaigns (schema `boberdoo`) and the calls tracked by Invoca (schema `invoca`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ledger_tools.demo import common
from ledger_tools.demo.sales import Leads

# Payouts in cents.
CALL_PAYOUTS = (3500, 4250, 5000, 5500, 6500, 8000)
MIN_DURATIONS = (60, 90, 120)
TERMS_PER_CAMPAIGN_WEIGHTS = (30, 45, 25)  # one, two or three terms
# Campaigns Invoca tracks but boberdoo does not know: listed for review, never billed.
UNKNOWN_CAMPAIGNS = ("CMP-UNKNOWN-1", "CMP-UNKNOWN-2")
# Duration classes against the campaign's minimum: about 20% of calls are too short.
# Unknown campaigns are 5% of calls and phones of no lead 10%.
SHORT, ONE_UNDER, EXACT, LONG = range(4)
DURATION_WEIGHTS = (15, 4, 4, 77)
UNKNOWN_WEIGHTS = (5, 95)
STRAY_WEIGHTS = (10, 90)
# Keys of (campaign, instant) pairs: campaign * _SPAN + seconds since TERMS_START.
_SPAN = 1 << 34


@dataclass(frozen=True)
class Campaigns(common.Terms):
    """Campaign terms in (campaign, start) order, as columns; campaign c is CMP-(1001+c).

    A call's campaign is a position in `ids`; negative positions name the campaigns
    boberdoo does not know, the last of `ids` counting back (UNKNOWN_CAMPAIGNS).
    """

    ids: common.Texts  # the known campaigns, then UNKNOWN_CAMPAIGNS reversed
    count: int  # known campaigns
    campaign: common.Ints
    buyer_id: common.Ints
    payout: common.Ints
    min_duration: common.Ints

    def table(self) -> common.Table:
        return {
            "campaign_id": self.ids[self.campaign],
            "buyer_id": self.buyer_id,
            "payout_amount": self.payout,
            "min_duration_seconds": self.min_duration,
            **self.period(),
        }

    def active(self, campaign: common.Ints, at: common.Ints) -> common.Ints:
        """The term in force for each (campaign, instant), half-open; -1 where none."""
        term_keys = self.campaign * _SPAN + (self.starts_at - common.TERMS_START)
        keys = campaign * _SPAN + (at - common.TERMS_START)
        term = np.searchsorted(term_keys, keys, side="right") - 1
        found = np.maximum(term, 0)
        covers = (
            (campaign >= 0)
            & (term >= 0)
            & (self.campaign[found] == campaign)
            & (self.open[found] | (at < self.ends_at[found]))
        )
        return np.where(covers, term, -1)


def make_campaigns(rng: common.Rng, count: int, brokers: common.Brokers) -> Campaigns:
    """Campaigns of one buyer each, with one to three consecutive terms, the last open."""
    buyer = brokers.draw(rng, count)
    terms = 1 + common.choose(rng, TERMS_PER_CAMPAIGN_WEIGHTS, count)
    # One campaign with term changes and one without, whatever the scale.
    terms[0] = max(terms[0], 2)
    terms[1] = 1
    change_at = common.change_instants(rng, count)
    several = terms == 3
    change_at[several] = np.sort(change_at[several], axis=1)
    # Each term pays differently from the one before; every other one changes the minimum.
    payout = np.zeros((count, 3), np.int64)
    minimum = np.zeros((count, 3), np.int64)
    payout[:, 0] = rng.integers(0, len(CALL_PAYOUTS), count)
    minimum[:, 0] = rng.integers(0, len(MIN_DURATIONS), count)
    for term in (1, 2):
        payout[:, term] = (payout[:, term - 1] + common.integers(rng, 1, 5, count)) % len(
            CALL_PAYOUTS
        )
        changed = (minimum[:, term - 1] + common.integers(rng, 1, 2, count)) % len(MIN_DURATIONS)
        minimum[:, term] = np.where(rng.random(count) < 0.5, changed, minimum[:, term - 1])

    campaign, term = common.runs(terms)
    return Campaigns(
        ids=common.texts(
            [*(f"CMP-{1001 + c}" for c in range(count)), *reversed(UNKNOWN_CAMPAIGNS)]
        ),
        count=count,
        campaign=campaign,
        buyer_id=buyer[campaign],
        payout=np.array(CALL_PAYOUTS)[payout[campaign, term]],
        min_duration=np.array(MIN_DURATIONS)[minimum[campaign, term]],
        starts_at=np.where(
            term == 0, common.TERMS_START, change_at[campaign, np.maximum(term - 1, 0)]
        ),
        ends_at=change_at[campaign, np.minimum(term, 1)],
        open=term == terms[campaign] - 1,
    )


@dataclass(frozen=True)
class Calls:
    """Tracked calls in order of the call, as columns."""

    call_ids: common.Texts
    campaign: common.Ints  # position in Campaigns.ids
    phones: common.Texts
    started_at: common.Ints
    duration: common.Ints
    term: common.Ints  # the campaign term in force, -1 for an unknown campaign

    def table(self, campaigns: Campaigns) -> common.Table:
        return {
            "call_id": self.call_ids,
            "campaign_id": campaigns.ids[self.campaign],
            "caller_phone": self.phones,
            "started_at": common.timestamps(self.started_at),
            "duration_seconds": self.duration,
        }


def _durations(rng: common.Rng, minimum: common.Ints, kind: common.Ints) -> common.Ints:
    n = len(kind)
    short = (rng.random(n) * (minimum - 1)).astype(np.int64)  # 0 .. minimum - 2
    long = minimum + common.integers(rng, 1, 1800, n)
    return np.select(
        [kind == SHORT, kind == ONE_UNDER, kind == EXACT], [short, minimum - 1, minimum], long
    )


def make_calls(
    rng: common.Rng, count: int, leads: Leads, campaigns: Campaigns, stray_phones: common.Texts
) -> Calls:
    """Calls mostly from lead phones, some from nobody's, a few to unknown campaigns."""

    def after(lead: common.Ints) -> common.Ints:
        created = leads.created_at[lead]
        return created + common.integers(
            rng, 0, np.minimum(14 * common.DAY, common.PERIOD_END - created - 1), len(lead)
        )

    def any_campaign(size: int) -> common.Ints:
        return rng.integers(0, campaigns.count, size)

    # Pinned cases first, so they exist at every scale: a call at each term change,
    # on the phone with the lead tie, in the second a lead is created, lasting exactly
    # and one second under the minimum, to an unknown campaign.
    change = np.flatnonzero(campaigns.starts_at != common.TERMS_START)
    change_at = campaigns.starts_at[change]
    some = rng.integers(0, len(leads), 6)
    pinned_campaign = np.concatenate([campaigns.campaign[change], any_campaign(6), [-1]])
    pinned_phone = np.concatenate(
        [
            leads.phones[leads.before(rng, change_at)],
            common.texts([leads.tie_phone]),
            leads.phones[some],
        ]
    )
    pinned_at = np.concatenate(
        [
            change_at,
            [leads.tie_at + int(common.integers(rng, 60, common.DAY, 1)[0])],
            leads.created_at[some[:1]],
            after(some[1:]),
        ]
    )
    pinned_kind = np.concatenate(
        [np.full(len(change), LONG), [LONG, LONG, EXACT, EXACT, ONE_UNDER, ONE_UNDER, LONG]]
    )

    rest = max(0, count - len(pinned_kind))
    unknown = common.shuffled_quota(rng, rest, UNKNOWN_WEIGHTS) == 0
    stray = common.shuffled_quota(rng, rest, STRAY_WEIGHTS) == 0
    kind = common.shuffled_quota(rng, rest, DURATION_WEIGHTS)
    # Negative positions are the unknown campaigns (see Campaigns).
    campaign = np.where(
        unknown, -common.integers(rng, 1, len(UNKNOWN_CAMPAIGNS), rest), any_campaign(rest)
    )
    lead = rng.integers(0, len(leads), rest)
    phone = np.where(
        stray, stray_phones[rng.integers(0, len(stray_phones), rest)], leads.phones[lead]
    )
    at = np.where(
        stray, common.instants(rng, common.TERMS_START, common.PERIOD_END, rest), after(lead)
    )

    campaign = np.concatenate([pinned_campaign, campaign])
    phone = np.concatenate([pinned_phone, phone])
    at = np.concatenate([pinned_at, at])
    kind = np.concatenate([pinned_kind, kind])
    term = campaigns.active(campaign, at)
    minimum = np.where(term >= 0, campaigns.min_duration[np.maximum(term, 0)], MIN_DURATIONS[0])
    duration = _durations(rng, minimum, kind)

    order = common.stable_order(at)
    return Calls(
        call_ids=common.labels("CA-", range(1, len(order) + 1), 7),
        campaign=campaign[order],
        phones=phone[order],
        started_at=at[order],
        duration=duration[order],
        term=term[order],
    )
