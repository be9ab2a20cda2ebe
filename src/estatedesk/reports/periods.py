"""Report periods: week, month, quarter, year or a custom range of local days, with the
buckets the charts use and the neighbouring periods for the pickers. Pure date arithmetic."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from estatedesk.core import clock
from estatedesk.core.errors import ValidationFailed
from estatedesk.reports.enums import PeriodKind

MAX_CUSTOM_DAYS = 3 * 366


@dataclass(frozen=True)
class Bucket:
    """One point of a chart's time axis: the local days ``[first, last]``."""

    first: dt.date
    last: dt.date
    label: str


@dataclass(frozen=True)
class Period:
    """The local days ``first``..``last`` (inclusive) of a report."""

    kind: str
    first: dt.date
    last: dt.date

    @property
    def start(self) -> dt.datetime:
        """The aware instant the period starts (local midnight of ``first``)."""
        return day_start(self.first)

    @property
    def end(self) -> dt.datetime:
        """The aware instant just after the period (local midnight after ``last``)."""
        return day_start(self.last + dt.timedelta(days=1))

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def label(self) -> str:
        if self.kind == PeriodKind.WEEK:
            return _("%(y)d 年第 %(w)d 周（%(a)s 至 %(b)s）") % {
                "y": self.first.isocalendar()[0],
                "w": self.first.isocalendar()[1],
                "a": self.first.strftime("%m-%d"),
                "b": self.last.strftime("%m-%d"),
            }
        if self.kind == PeriodKind.MONTH:
            return _("%(y)d 年 %(m)d 月") % {"y": self.first.year, "m": self.first.month}
        if self.kind == PeriodKind.QUARTER:
            return _("%(y)d 年第 %(q)d 季度") % {
                "y": self.first.year,
                "q": (self.first.month - 1) // 3 + 1,
            }
        if self.kind == PeriodKind.YEAR:
            return _("%(y)d 年") % {"y": self.first.year}
        return f"{self.first.isoformat()} ~ {self.last.isoformat()}"

    @property
    def granularity(self) -> str:
        """The chart bucket: days up to two months, weeks up to about half a year, else months."""
        if self.days <= 62:
            return "day"
        if self.days <= 200:
            return "week"
        return "month"

    def buckets(self) -> list[Bucket]:
        result: list[Bucket] = []
        grain = self.granularity
        cursor = self.first
        while cursor <= self.last:
            if grain == "day":
                last = cursor
                label = cursor.strftime("%m-%d")
            elif grain == "week":
                last = min(cursor + dt.timedelta(days=6 - cursor.weekday()), self.last)
                label = cursor.strftime("%m-%d")
            else:
                last = min(_month_end(cursor), self.last)
                label = cursor.strftime("%Y-%m")
            result.append(Bucket(cursor, last, label))
            cursor = last + dt.timedelta(days=1)
        return result

    def bucket_index(self) -> dict[dt.date, int]:
        """Every day of the period -> the index of its bucket."""
        index: dict[dt.date, int] = {}
        for number, bucket in enumerate(self.buckets()):
            day = bucket.first
            while day <= bucket.last:
                index[day] = number
                day += dt.timedelta(days=1)
        return index

    def split(self) -> tuple[list[dt.date], list[tuple[dt.date, dt.date]]]:
        """The whole calendar months inside the period (their first days) and the day ranges
        left at its edges: a long period reads monthly rollups plus a few days."""
        months: list[dt.date] = []
        edges: list[tuple[dt.date, dt.date]] = []
        month = self.first.replace(day=1)
        while month <= self.last:
            end = _month_end(month)
            first, last = max(month, self.first), min(end, self.last)
            if first == month and last == end:
                months.append(month)
            else:
                edges.append((first, last))
            month = end + dt.timedelta(days=1)
        return months, edges

    def previous(self) -> Period:
        return self.shift(-1)

    def next(self) -> Period:
        return self.shift(1)

    def shift(self, steps: int) -> Period:
        if self.kind == PeriodKind.CUSTOM:
            span = dt.timedelta(days=self.days * steps)
            return Period(self.kind, self.first + span, self.last + span)
        anchor = self.first
        if self.kind == PeriodKind.WEEK:
            return make(self.kind, anchor + dt.timedelta(weeks=steps))
        months = {PeriodKind.MONTH: 1, PeriodKind.QUARTER: 3, PeriodKind.YEAR: 12}[
            PeriodKind(self.kind)
        ]
        return make(self.kind, _add_months(anchor, months * steps))

    def query(self) -> dict[str, str]:
        """The GET parameters that select this period again."""
        if self.kind == PeriodKind.CUSTOM:
            return {
                "period": self.kind,
                "from": self.first.isoformat(),
                "to": self.last.isoformat(),
            }
        return {"period": self.kind, "date": self.first.isoformat()}


def day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=clock.local_zone())


def _month_end(day: dt.date) -> dt.date:
    return _add_months(day.replace(day=1), 1) - dt.timedelta(days=1)


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def make(kind: str, anchor: dt.date) -> Period:
    """The week, month, quarter or year containing ``anchor``."""
    if kind == PeriodKind.WEEK:
        first = anchor - dt.timedelta(days=anchor.weekday())
        return Period(kind, first, first + dt.timedelta(days=6))
    if kind == PeriodKind.MONTH:
        first = anchor.replace(day=1)
        return Period(kind, first, _month_end(first))
    if kind == PeriodKind.QUARTER:
        first = dt.date(anchor.year, (anchor.month - 1) // 3 * 3 + 1, 1)
        return Period(kind, first, _add_months(first, 3) - dt.timedelta(days=1))
    if kind == PeriodKind.YEAR:
        return Period(kind, dt.date(anchor.year, 1, 1), dt.date(anchor.year, 12, 31))
    raise ValidationFailed(_("未知的统计周期。"))


def quarter(year: int, number: int) -> Period:
    if not 1 <= number <= 4:
        raise ValidationFailed(_("季度须为 1 到 4。"))
    return make(PeriodKind.QUARTER, dt.date(year, (number - 1) * 3 + 1, 1))


def _date(value: Any, label: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValidationFailed(
            _("%(f)s不是有效的日期（格式 2026-01-31）。") % {"f": label}
        ) from None


def parse(params: Any, *, default_kind: str = PeriodKind.MONTH) -> Period:
    """The period chosen by GET ``params`` (``period`` + ``date``, or ``from``/``to``)."""
    kind = params.get("period") or default_kind
    if kind not in PeriodKind.values:
        raise ValidationFailed(_("未知的统计周期。"))
    if kind == PeriodKind.CUSTOM:
        first = _date(params.get("from", ""), _("开始日期"))
        last = _date(params.get("to", ""), _("结束日期"))
        if last < first:
            raise ValidationFailed(_("结束日期不能早于开始日期。"))
        if (last - first).days >= MAX_CUSTOM_DAYS:
            raise ValidationFailed(_("自定义周期最长 3 年。"))
        return Period(kind, first, last)
    raw = params.get("date")
    anchor = _date(raw, _("日期")) if raw else clock.today()
    return make(kind, anchor)
