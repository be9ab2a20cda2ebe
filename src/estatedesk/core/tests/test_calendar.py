"""Business calendar arithmetic (DT-2 duty hours, working time for RQ-6/DS-4 style limits)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from estatedesk.core.calendar import (
    DutyHours,
    DutyMode,
    RoundTheClock,
    WorkingCalendar,
    calendar_for,
    working_calendar,
)
from estatedesk.core.models import CalendarOverride

SH = ZoneInfo("Asia/Shanghai")
CAL = WorkingCalendar()


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SH)


def test_working_time_inside_and_outside_hours() -> None:
    assert CAL.is_working_time(at("2026-11-23 08:30"))
    assert CAL.is_working_time(at("2026-11-23 17:29"))
    assert not CAL.is_working_time(at("2026-11-23 17:30"))
    assert not CAL.is_working_time(at("2026-11-23 08:29"))
    assert not CAL.is_working_time(at("2026-11-22 10:00"))  # Sunday


def test_add_working_time_rolls_over_the_evening() -> None:
    assert CAL.add_working_time(at("2026-11-23 16:00"), dt.timedelta(hours=2)) == at(
        "2026-11-24 09:00"
    )


def test_add_working_time_skips_the_weekend() -> None:
    assert CAL.add_working_time(at("2026-11-27 17:00"), dt.timedelta(hours=1)) == at(
        "2026-11-30 09:00"
    )


def test_national_day_holiday_is_crossed() -> None:
    # 2026-09-30 is the eve of the National Day holiday (Oct 1-7 off, Oct 8 back at work).
    assert CAL.add_working_time(at("2026-09-30 16:30"), dt.timedelta(hours=2)) == at(
        "2026-10-08 09:30"
    )
    assert CAL.end_of_working_day(at("2026-09-30 18:00")) == at("2026-10-08 17:30")


def test_tiaoxiu_saturday_is_a_working_day() -> None:
    # Saturday 2026-10-10 is an adjusted working day (调休).
    assert CAL.is_working_time(at("2026-10-10 10:00"))
    assert CAL.end_of_working_day(at("2026-10-09 18:00")) == at("2026-10-10 17:30")
    assert CAL.next_working_day(at("2026-10-09 12:00")) == at("2026-10-10 08:30")


def test_end_of_working_day_before_and_after_closing() -> None:
    assert CAL.end_of_working_day(at("2026-11-23 16:00")) == at("2026-11-23 17:30")
    assert CAL.end_of_working_day(at("2026-11-23 17:50")) == at("2026-11-24 17:30")
    assert CAL.end_of_working_day(at("2026-11-23 07:00")) == at("2026-11-23 17:30")


@pytest.mark.django_db
def test_override_for_a_year_the_package_does_not_know(site) -> None:
    # chinesecalendar has no 2027 data: Monday-Friday is assumed until overrides are entered.
    assert working_calendar(site).is_working_day(dt.date(2027, 1, 4))
    CalendarOverride.objects.create(date=dt.date(2027, 1, 4), is_working_day=False, note="元旦调休")
    CalendarOverride.objects.create(
        site=site, date=dt.date(2027, 1, 9), is_working_day=True, note="项目加班"
    )
    cal = working_calendar(site)
    assert not cal.is_working_day(dt.date(2027, 1, 4))
    assert cal.is_working_day(dt.date(2027, 1, 9))  # a Saturday, made working for this site only
    assert not working_calendar(None).is_working_day(dt.date(2027, 1, 9))


@pytest.mark.django_db
def test_site_override_beats_company_override(site) -> None:
    CalendarOverride.objects.create(date=dt.date(2027, 2, 1), is_working_day=False)
    CalendarOverride.objects.create(site=site, date=dt.date(2027, 2, 1), is_working_day=True)
    assert working_calendar(site).is_working_day(dt.date(2027, 2, 1))


@pytest.mark.django_db
def test_calendar_for_chooses_by_policy_kind(site) -> None:
    assert isinstance(calendar_for(site, "24x7"), RoundTheClock)
    assert isinstance(calendar_for(site, "working"), WorkingCalendar)


def test_round_the_clock_counts_every_minute() -> None:
    cal = RoundTheClock()
    assert cal.add_working_time(at("2026-10-01 03:00"), dt.timedelta(minutes=5)) == at(
        "2026-10-01 03:05"
    )
    assert cal.end_of_working_day(at("2026-10-01 03:00")) == at("2026-10-02 00:00")


def test_duty_hours_dt2_evenings_and_rest_days() -> None:
    duty = DutyHours(CAL)
    monday_evening = duty.shift_at(at("2026-11-23 20:00"))
    assert monday_evening is not None
    assert (monday_evening.start, monday_evening.end) == (
        at("2026-11-23 17:30"),
        at("2026-11-24 08:30"),
    )
    assert duty.shift_at(at("2026-11-24 10:00")) is None  # staffed day hours
    sunday = duty.shift_at(at("2026-11-22 12:00"))
    assert sunday is not None
    assert (sunday.start, sunday.end) == (at("2026-11-22 08:30"), at("2026-11-23 08:30"))


def test_duty_hours_dt2_round_the_clock_mode() -> None:
    duty = DutyHours(CAL, mode=DutyMode.ROUND_THE_CLOCK)
    shift = duty.shift_at(at("2026-11-24 10:00"))
    assert shift is not None
    assert (shift.start, shift.end) == (at("2026-11-24 08:30"), at("2026-11-25 08:30"))


instants = st.datetimes(
    min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2026, 12, 20), timezones=st.just(SH)
)
durations = st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(hours=60))


def _inside_or_closing(t: dt.datetime) -> bool:
    local = t.astimezone(SH)
    return CAL.is_working_time(t) or (
        CAL.is_working_day(local.date()) and local.time() == CAL.work_end
    )


@settings(max_examples=200, deadline=None)
@given(instants, durations, durations)
def test_add_working_time_is_monotonic_and_additive(start, a, b) -> None:
    first = CAL.add_working_time(start, a)
    assert first >= start
    assert CAL.add_working_time(start, a + b) >= first
    assert CAL.add_working_time(first, b) == CAL.add_working_time(start, a + b)


@settings(max_examples=200, deadline=None)
@given(instants, durations.filter(lambda d: d > dt.timedelta(0)))
def test_add_working_time_never_lands_outside_working_time(start, duration) -> None:
    assert _inside_or_closing(CAL.add_working_time(start, duration))


@settings(max_examples=100, deadline=None)
@given(instants)
def test_end_of_working_day_is_a_closing_time_after_t(t) -> None:
    end = CAL.end_of_working_day(t)
    assert end > t
    assert end.astimezone(SH).time() == CAL.work_end
    assert CAL.is_working_day(end.astimezone(SH).date())
