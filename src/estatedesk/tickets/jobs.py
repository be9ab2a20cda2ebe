"""Periodic jobs of the tickets app (idempotent, catching up)."""

from __future__ import annotations

import datetime as dt

from estatedesk.tickets import selectors, services


def chase_referrals(*, now: dt.datetime) -> int:
    """CV-2 Q: chase every referral past its committed time that has not reported (at most
    once a day each). Reads only due, unreported referrals (index referral_open_due)."""
    chased = 0
    for referral_id in selectors.unreported_referrals_due(now).values_list("pk", flat=True)[:500]:
        if services.referral_chase(referral_id=referral_id, now=now):
            chased += 1
    return chased


PERIODIC = [(chase_referrals, 300)]
