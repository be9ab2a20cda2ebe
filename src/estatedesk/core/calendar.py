"""Business calendar: working time and duty hours per site.

Working days come from ``chinesecalendar`` (public holidays and 调休 working days), overridden
per site or company-wide by ``CalendarOverride`` rows for dates the package does not know.
Both calendars (working time and 24x7) share one interface so an SLA policy can choose per
clock. Arithmetic happens in the local zone; results are aware datetimes.

All overrides a computation needs are loaded once when the calendar is built (style: calendars
load once per computation, not one query per day).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import chinese_calendar

from estatedesk.core.clock import local_zone

if TYPE_CHECKING:
    from estatedesk.org.models import Site

MAX_DAYS_SEARCHED = 3700


class Calendar(Protocol):
    def is_working_time(self, t: dt.datetime) -> bool: ...
    def add_working_time(self, start: dt.datetime, duration: dt.timedelta) -> dt.datetime: ...
    def end_of_working_day(self, t: dt.datetime) -> dt.datetime: ...
    def next_working_day(self, t: dt.datetime) -> dt.datetime: ...


def is_statutory_working_day(day: dt.date) -> bool:
    """China's schedule from chinesecalendar; Monday-Friday for years it does not cover."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return day.weekday() < 5


@dataclass(frozen=True)
class RoundTheClock:
    """24x7: every minute counts (emergencies, 5-minute replies, pages)."""

    def is_working_time(self, t: dt.datetime) -> bool:
        return True

    def add_working_time(self, start: dt.datetime, duration: dt.timedelta) -> dt.datetime:
        if duration < dt.timedelta(0):
            raise ValueError("duration must not be negative")
        return start + duration

    def end_of_working_day(self, t: dt.datetime) -> dt.datetime:
        local = t.astimezone(local_zone())
        return _at(local.date() + dt.timedelta(days=1), dt.time(0, 0))

    def next_working_day(self, t: dt.datetime) -> dt.datetime:
        return self.end_of_working_day(t)


@dataclass(frozen=True)
class WorkingCalendar:
    """Working hours (default 08:30-17:30) on working days."""

    work_start: dt.time = dt.time(8, 30)
    work_end: dt.time = dt.time(17, 30)
    overrides: dict[dt.date, bool] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.work_start >= self.work_end:
            raise ValueError("working hours must end after they start")

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        return is_statutory_working_day(day)

    def is_working_time(self, t: dt.datetime) -> bool:
        local = t.astimezone(local_zone())
        return self.is_working_day(local.date()) and self.work_start <= local.time() < self.work_end

    def _next_working_date(self, day: dt.date) -> dt.date:
        """The first working date on or after ``day``."""
        for offset in range(MAX_DAYS_SEARCHED):
            candidate = day + dt.timedelta(days=offset)
            if self.is_working_day(candidate):
                return candidate
        raise ValueError("no working day within ten years")

    def add_working_time(self, start: dt.datetime, duration: dt.timedelta) -> dt.datetime:
        """``start`` plus ``duration`` counted only inside working hours.

        A start outside working hours counts from the next opening. A result may land exactly
        on a day's closing time (the interval is closed at its end), never elsewhere outside.
        """
        if duration < dt.timedelta(0):
            raise ValueError("duration must not be negative")
        local = start.astimezone(local_zone())
        remaining = duration
        day = local.date()
        cursor = local
        for _ in range(MAX_DAYS_SEARCHED):
            day = self._next_working_date(day)
            opening = _at(day, self.work_start)
            closing = _at(day, self.work_end)
            cursor = max(cursor, opening)
            if cursor <= closing:
                available = closing - cursor
                if remaining <= available:
                    return cursor + remaining
                remaining -= available
            day = day + dt.timedelta(days=1)
        raise ValueError("duration too long for the calendar")

    def end_of_working_day(self, t: dt.datetime) -> dt.datetime:
        """Closing time of the working day ``t`` falls in; after hours, the next one's (DS-4)."""
        local = t.astimezone(local_zone())
        day = local.date()
        if self.is_working_day(day) and local.time() < self.work_end:
            return _at(day, self.work_end)
        return _at(self._next_working_date(day + dt.timedelta(days=1)), self.work_end)

    def next_working_day(self, t: dt.datetime) -> dt.datetime:
        """Opening time of the first working day after the date of ``t``."""
        local = t.astimezone(local_zone())
        day = self._next_working_date(local.date() + dt.timedelta(days=1))
        return _at(day, self.work_start)


class DutyMode:
    EVENINGS_AND_REST_DAYS = "evenings"
    ROUND_THE_CLOCK = "24h"


@dataclass(frozen=True)
class DutyShift:
    start: dt.datetime
    end: dt.datetime

    def contains(self, t: dt.datetime) -> bool:
        return self.start <= t < self.end


@dataclass(frozen=True)
class DutyHours:
    """DT-2: when the duty officer covers the center.

    ``evenings``: from closing (17:30) to the next day's handover (08:30) after a working day,
    and 24 hours from handover to handover on a rest day. ``24h``: handover to handover daily.
    """

    calendar: WorkingCalendar
    mode: str = DutyMode.EVENINGS_AND_REST_DAYS
    handover: dt.time = dt.time(8, 30)
    evening_start: dt.time = dt.time(17, 30)

    def shift_of_day(self, day: dt.date) -> DutyShift:
        """The duty shift that starts on ``day``."""
        next_day = day + dt.timedelta(days=1)
        if self.mode == DutyMode.ROUND_THE_CLOCK or not self.calendar.is_working_day(day):
            return DutyShift(_at(day, self.handover), _at(next_day, self.handover))
        return DutyShift(_at(day, self.evening_start), _at(next_day, self.handover))

    def shift_at(self, t: dt.datetime) -> DutyShift | None:
        """The shift covering ``t``, or None during the center's staffed day hours."""
        local = t.astimezone(local_zone())
        for day in (local.date() - dt.timedelta(days=1), local.date()):
            shift = self.shift_of_day(day)
            if shift.contains(local):
                return shift
        return None

    def is_duty_time(self, t: dt.datetime) -> bool:
        return self.shift_at(t) is not None


def _at(day: dt.date, time: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, time, tzinfo=local_zone())


def overrides_for(site: Site | None) -> dict[dt.date, bool]:
    """Company-wide overrides, then the site's own on top (one query)."""
    from django.db.models import Q

    from estatedesk.core.models import CalendarOverride

    query = Q(site__isnull=True)
    if site is not None:
        query |= Q(site=site)
    rows = CalendarOverride.objects.filter(query).values_list("site_id", "date", "is_working_day")
    result: dict[dt.date, bool] = {}
    for _site_id, day, working in sorted(rows, key=lambda r: r[0] is not None):
        result[day] = working
    return result


def working_calendar(site: Site | None) -> WorkingCalendar:
    if site is None:
        return WorkingCalendar(overrides=overrides_for(None))
    return WorkingCalendar(site.work_start, site.work_end, overrides_for(site))


def calendar_for(site: Site | None, kind: str) -> Calendar:
    """``kind`` is ``"working"`` or ``"24x7"`` as an SLA policy names it."""
    if kind == "24x7":
        return RoundTheClock()
    return working_calendar(site)


def duty_hours(site: Site) -> DutyHours:
    return DutyHours(working_calendar(site), site.duty_mode, site.work_start, site.work_end)
