"""Periods of the pickers and the percentile arithmetic (pure functions)."""

from __future__ import annotations

import datetime as dt

import pytest

from estatedesk.core.errors import ValidationFailed
from estatedesk.reports import periods
from estatedesk.reports.percentiles import interpolate


def test_week_month_quarter_year_contain_the_date_and_step_to_neighbours():
    day = dt.date(2026, 3, 31)
    week = periods.make("week", day)
    assert (week.first, week.last) == (dt.date(2026, 3, 30), dt.date(2026, 4, 5))
    month = periods.make("month", day)
    assert (month.first, month.last, month.label) == (
        dt.date(2026, 3, 1),
        dt.date(2026, 3, 31),
        "2026 年 3 月",
    )
    assert month.next().first == dt.date(2026, 4, 1)
    quarter = periods.quarter(2026, 1)
    assert (quarter.first, quarter.last) == (dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    assert quarter.previous().first == dt.date(2025, 10, 1)
    year = periods.make("year", day)
    assert (year.first, year.last) == (dt.date(2026, 1, 1), dt.date(2026, 12, 31))


def test_period_bounds_are_local_midnights():
    month = periods.make("month", dt.date(2026, 3, 5))
    assert month.start.isoformat() == "2026-03-01T00:00:00+08:00"
    assert month.end.isoformat() == "2026-04-01T00:00:00+08:00"


def test_buckets_are_days_then_weeks_then_months():
    assert len(periods.make("month", dt.date(2026, 2, 1)).buckets()) == 28
    quarter = periods.quarter(2026, 1).buckets()
    assert [b.first.isoformat() for b in quarter[:2]] == ["2026-01-01", "2026-01-05"]
    assert quarter[0].last == dt.date(2026, 1, 4)
    year = periods.make("year", dt.date(2026, 6, 1)).buckets()
    assert [b.label for b in year][:2] == ["2026-01", "2026-02"] and len(year) == 12


def test_custom_range_is_checked():
    custom = periods.parse({"period": "custom", "from": "2026-03-01", "to": "2026-03-10"})
    assert (custom.days, custom.shift(1).first) == (10, dt.date(2026, 3, 11))
    with pytest.raises(ValidationFailed):
        periods.parse({"period": "custom", "from": "2026-03-10", "to": "2026-03-01"})
    with pytest.raises(ValidationFailed):
        periods.parse({"period": "custom", "from": "2020-01-01", "to": "2026-01-01"})
    with pytest.raises(ValidationFailed):
        periods.parse({"period": "month", "date": "2026-13-01"})
    with pytest.raises(ValidationFailed):
        periods.parse({"period": "decade"})


def test_interpolated_percentiles_match_percentile_cont():
    values = [0.5, 1.0, 1.0, 3.0, 25.0]
    assert interpolate(values, 0.5) == 1.0
    assert interpolate(values, 0.9) == pytest.approx(16.2)
    assert interpolate([2.0, 4.0], 0.5) == 3.0
    assert interpolate([], 0.5) is None
