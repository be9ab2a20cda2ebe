"""Builders for duty tests: a published roster, post items, a handover-ready site."""

from __future__ import annotations

import datetime as dt
from typing import Any

from estatedesk.core import clock
from estatedesk.core.calendar import duty_hours
from estatedesk.duty.enums import RosterKind, RosterState
from estatedesk.duty.models import DutyAssignment, PostItem, Roster
from estatedesk.org.models import Site

TZ = clock.local_zone()


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    """An aware local (Asia/Shanghai) time."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=TZ)


def roster_with(
    site: Site,
    days: dict[dt.date, Any],
    *,
    kind: str = RosterKind.CS,
    state: str = RosterState.PUBLISHED,
) -> Roster:
    """A roster of the month of the first day given, with one person per listed day."""
    month = min(days).replace(day=1)
    roster, _ = Roster.objects.get_or_create(
        site=site, kind=kind, month=month, defaults={"state": state, "created_at": clock.now()}
    )
    hours = duty_hours(site)
    for day, user in days.items():
        shift = hours.shift_of_day(day)
        DutyAssignment.objects.create(
            roster=roster,
            site=site,
            kind=kind,
            day=day,
            starts_at=shift.start,
            ends_at=shift.end,
            user=user,
            planned_user=user,
        )
    return roster


def post_items(site: Site) -> list[PostItem]:
    return [
        PostItem.objects.create(site=site, name="对讲机", quantity=4, sort_order=1),
        PostItem.objects.create(site=site, name="灭火器", quantity=2, sort_order=2),
        PostItem.objects.create(site=site, name="水瓶", quantity=2, sort_order=3),
    ]
