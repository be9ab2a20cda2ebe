"""The dashboard's figures (RP-5, DS-9, RQ-10, CP-9), read from the rollup tables.

Every figure is a ``Table`` (title, columns, rows) with an optional chart spec that
``static/reports/charts.js`` draws with ECharts; the page shows the table under its chart and
offers it as xlsx; the API returns the same tables.

Cost: each builder runs a fixed number of aggregate queries. Counts come from the per-dimension
rollups: daily rows for charts by day or week, monthly rows for whole months plus daily rows
for the days at the edges otherwise, so a year costs about twelve rows per site and value.
Percentiles, unit hotspots and recurring problems read ``TicketFact`` through its indexes
(percentiles of more than 50,000 tickets from a sample). The backlog is the one live figure
(outstanding tickets now, through the ticket_site_state_kind index).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Model, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from estatedesk.complaints.enums import Satisfaction
from estatedesk.complaints.models import ReturnVisit
from estatedesk.core import clock
from estatedesk.org.models import Building, Department, PublicPlace, Site, Unit
from estatedesk.reports.enums import OUTSTANDING_STATES, Dimension
from estatedesk.reports.models import (
    TICKET_MEASURES,
    DailyClockStats,
    DailyTicketStats,
    MonthlyClockStats,
    MonthlyTicketStats,
    TicketFact,
)
from estatedesk.reports.percentiles import ALL, SAMPLE_LIMIT, percentiles
from estatedesk.reports.periods import Period
from estatedesk.sla.models import SlaPolicy
from estatedesk.tickets.enums import Channel, TicketKind
from estatedesk.tickets.models import Ticket

TOP_SERIES = 6
TOP_HOTSPOTS = 10
TOP_RECURRING = 20
SAMPLE_BUCKETS = 100  # TicketFact.sample = ticket id % 100
CLOCK_MEASURES = ("met", "missed", "pending")
AGE_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("< 1 天", 0, 1),
    ("1-3 天", 1, 3),
    ("3-7 天", 3, 7),
    ("7-30 天", 7, 30),
    ("> 30 天", 30, None),
)
BACKLOG_STATES = sorted(OUTSTANDING_STATES)
KIND_LABELS = dict(TicketKind.choices)
CHANNEL_LABELS = dict(Channel.choices)


@dataclass
class Table:
    key: str
    title: str
    columns: list[str]
    rows: list[list[Any]]
    chart: dict[str, Any] | None = None
    note: str = ""
    empty: str = ""
    group: str = ""

    @property
    def numeric(self) -> list[bool]:
        """Per column: all its values are numbers (right-aligned on the page)."""
        result = []
        for index in range(len(self.columns)):
            values = [row[index] for row in self.rows if row[index] is not None]
            result.append(bool(values) and all(isinstance(v, int | float) for v in values))
        return result

    def cells(self) -> list[list[tuple[Any, bool]]]:
        """The rows as (value, is_numeric_column) pairs for the template."""
        numeric = self.numeric
        return [list(zip(row, numeric, strict=False)) for row in self.rows]

    @property
    def header(self) -> list[tuple[str, bool]]:
        return list(zip(self.columns, self.numeric, strict=False))

    @property
    def chart_id(self) -> str:
        return f"chart-{self.key}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "columns": self.columns,
            "rows": self.rows,
            "note": self.note,
        }


Sums = dict[str, int]


@dataclass
class Context:
    """What every builder reads: the sites, the period, and lookups made once per page."""

    site_ids: list[int]
    period: Period
    now: dt.datetime = field(default_factory=clock.now)
    _clock_names: dict[str, str] | None = None
    _cache: dict[Any, Any] = field(default_factory=dict)

    def facts(self) -> QuerySet[TicketFact]:
        return TicketFact.objects.filter(
            site_id__in=self.site_ids, day__gte=self.period.first, day__lte=self.period.last
        )

    def clock_name(self, kind: str) -> str:
        if self._clock_names is None:
            names: dict[str, str] = {}
            # Company defaults first, then the sites' own policies (a site's name wins).
            for site_id, clock_kind, name in SlaPolicy.objects.filter(
                Q(site__isnull=True) | Q(site_id__in=self.site_ids)
            ).values_list("site_id", "clock_kind", "name"):
                if site_id is None:
                    names.setdefault(clock_kind, name)
                else:
                    names[clock_kind] = name
            self._clock_names = names
        return self._clock_names.get(kind, kind)

    # -- reading the rollups ---------------------------------------------------------------

    def _read(
        self,
        daily: type[Model],
        monthly: type[Model],
        measures: Iterable[str],
        group: tuple[str, ...],
        per_bucket: bool,
        **where: Any,
    ) -> dict[tuple[Any, ...], Sums]:
        """Sums of ``measures`` per ``group`` (and per chart bucket when ``per_bucket``):
        daily rows for charts by day or week, else whole months from the monthly rows and the
        edge days from the daily rows. Keys: ``(bucket or None, *group values)``."""
        measures = list(measures)
        sums = {f"s_{m}": Sum(m) for m in measures}
        result: dict[tuple[Any, ...], Sums] = defaultdict(lambda: dict.fromkeys(measures, 0))
        index = self.period.bucket_index() if per_bucket else {}
        base: dict[str, Any] = {"site_id__in": self.site_ids, **where}

        def add(qs: QuerySet[Any], fields: tuple[str, ...], when: str) -> None:
            # No grouping at all is one aggregate row (values() without fields means all).
            rows = (
                qs.values(*fields).annotate(**sums).order_by() if fields else [qs.aggregate(**sums)]
            )
            for row in rows:
                bucket = index[row[when]] if per_bucket else None
                target = result[(bucket, *(row[g] for g in group))]
                for m in measures:
                    target[m] += row[f"s_{m}"] or 0

        by_day = ("day", *group) if per_bucket else group
        if per_bucket and self.period.granularity != "month":
            period = {"day__gte": self.period.first, "day__lte": self.period.last}
            add(daily.objects.filter(**period, **base), by_day, "day")  # type: ignore[attr-defined]
            return result
        months, edges = self.period.split()
        if months:
            by_month = ("month", *group) if per_bucket else group
            add(monthly.objects.filter(month__in=months, **base), by_month, "month")  # type: ignore[attr-defined]
        if edges:
            ranges = Q()
            for first, last in edges:
                ranges |= Q(day__gte=first, day__lte=last)
            add(daily.objects.filter(ranges, **base), by_day, "day")  # type: ignore[attr-defined]
        return result

    def tickets(
        self, dimension: str, *, group: tuple[str, ...] = ("key",), per_bucket: bool = False
    ) -> dict[tuple[Any, ...], Sums]:
        """Ticket measures of the tickets received in the period, by ``dimension`` value. Per
        chart bucket only ``received`` is summed: the trends draw nothing else, and a company
        year by building is some 20,000 rollup rows to add up."""
        cache_key = ("t", dimension, group, per_bucket)
        if cache_key not in self._cache:
            self._cache[cache_key] = self._read(
                DailyTicketStats,
                MonthlyTicketStats,
                ["received"] if per_bucket else TICKET_MEASURES,
                group,
                per_bucket,
                dimension=dimension,
            )
        return self._cache[cache_key]

    def totals(self) -> Sums:
        found = self.tickets(Dimension.ALL, group=())
        return found.get((None,), dict.fromkeys(TICKET_MEASURES, 0))

    def clocks(
        self, *, group: tuple[str, ...] = (), per_bucket: bool = False
    ) -> dict[tuple[Any, ...], Sums]:
        """DS-9 met / missed / pending of the clocks due in the period."""
        cache_key = ("c", group, per_bucket)
        if cache_key not in self._cache:
            self._cache[cache_key] = self._read(
                DailyClockStats, MonthlyClockStats, CLOCK_MEASURES, group, per_bucket
            )
        return self._cache[cache_key]


def _label_kind(value: Any) -> str:
    return str(KIND_LABELS.get(value, value))


def _rate(met: int, missed: int) -> float | None:
    total = met + missed
    return round(100 * met / total, 1) if total else None


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 2)


def _share(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _names(model: type[Model], keys: Iterable[Any]) -> dict[str, str]:
    """``{str(pk): name}`` for the rollup keys that are ids (departments, buildings, places)."""
    ids = sorted({int(k) for k in keys if k not in ("", None)})
    if not ids:
        return {}
    return {
        str(pk): name
        for pk, name in model.objects.filter(pk__in=ids).values_list("pk", "name")  # type: ignore[attr-defined]
    }


# --- volume over time (RP-5) -----------------------------------------------------------------


def _trend(
    ctx: Context,
    *,
    key: str,
    title: str,
    dimension: str,
    label: Callable[[str], str],
) -> Table:
    """Tickets received per bucket of the period, one series per value of a dimension (the
    TOP_SERIES biggest; the rest summed as 其他), stacked; a total row at the bottom."""
    buckets = ctx.period.buckets()
    totals: dict[str, int] = defaultdict(int)
    cells: dict[str, list[int]] = defaultdict(lambda: [0] * len(buckets))
    for (bucket, value), sums in ctx.tickets(dimension, per_bucket=True).items():
        if sums["received"]:
            totals[value] += sums["received"]
            cells[value][bucket] += sums["received"]
    names = {value: label(value) for value in totals}
    ranked = sorted(totals, key=lambda value: (-totals[value], names[value]))
    series = [(names[value], cells[value]) for value in ranked[:TOP_SERIES]]
    rest = ranked[TOP_SERIES:]
    if rest:
        series.append((_("其他"), [sum(cells[v][i] for v in rest) for i in range(len(buckets))]))
    columns = [_("时间"), *[name for name, _data in series], _("合计")]
    rows = [
        [bucket.label, *[data[i] for _name, data in series], sum(d[i] for _n, d in series)]
        for i, bucket in enumerate(buckets)
    ]
    if not ranked:
        return Table(key, title, columns, [], None, empty=_("所选周期内没有受理工单。"))
    rows.append([_("合计"), *[sum(data) for _name, data in series], sum(totals.values())])
    chart = {
        "type": "stacked",
        "categories": [b.label for b in buckets],
        "series": [{"name": name, "data": data} for name, data in series],
    }
    return Table(key, title, columns, rows, chart, group="volume")


def volume_by_kind(ctx: Context) -> Table:
    return _trend(
        ctx,
        key="volume_kind",
        title=_("受理量（按类别）"),
        dimension=Dimension.KIND,
        label=_label_kind,
    )


def volume_by_channel(ctx: Context) -> Table:
    return _trend(
        ctx,
        key="volume_channel",
        title=_("受理量（按渠道）"),
        dimension=Dimension.CHANNEL,
        label=lambda value: str(CHANNEL_LABELS.get(value, value)),
    )


def _named_trend(
    ctx: Context, *, key: str, title: str, dimension: str, model: type[Model], empty: str
) -> Table:
    keys = {value for (_b, value) in ctx.tickets(dimension, per_bucket=True)}
    names = _names(model, keys)
    return _trend(
        ctx,
        key=key,
        title=title,
        dimension=dimension,
        label=lambda value: names.get(value) or empty,
    )


def volume_by_department(ctx: Context) -> Table:
    return _named_trend(
        ctx,
        key="volume_department",
        title=_("受理量（按部门）"),
        dimension=Dimension.DEPARTMENT,
        model=Department,
        empty=_("未分派"),
    )


def volume_by_building(ctx: Context) -> Table:
    return _named_trend(
        ctx,
        key="volume_building",
        title=_("受理量（按楼栋）"),
        dimension=Dimension.BUILDING,
        model=Building,
        empty=_("未指明楼栋"),
    )


def volume_by_site(ctx: Context) -> Table:
    """Company view: each site's received tickets and DS-9 timeliness side by side."""
    received = ctx.tickets(Dimension.ALL, group=("site_id",))
    clocks = ctx.clocks(group=("site_id",))
    site_ids = {key[1] for key in received} | {key[1] for key in clocks}
    names = dict(Site.objects.filter(pk__in=site_ids).values_list("pk", "name"))
    rows: list[list[Any]] = []
    for site_id in site_ids:
        r = received.get((None, site_id), {})
        c = clocks.get((None, site_id), {})
        rows.append(
            [
                names.get(site_id, ""),
                r.get("received", 0),
                r.get("resolved", 0),
                r.get("open", 0),
                _rate(c.get("met", 0), c.get("missed", 0)),
            ]
        )
    rows.sort(key=lambda row: (-row[1], row[0]))
    chart = {
        "type": "bar",
        "categories": [row[0] for row in rows],
        "series": [{"name": _("受理量"), "data": [row[1] for row in rows]}],
    }
    return Table(
        "volume_site",
        _("各管理处对比"),
        [_("管理处"), _("受理量"), _("已完成"), _("待处理"), _("及时率(%)")],
        rows,
        chart if rows else None,
        empty=_("所选周期内没有数据。"),
        group="volume",
    )


# --- response and resolution times --------------------------------------------------------


def _sampled(ctx: Context, count: int) -> tuple[QuerySet[TicketFact], bool]:
    """The period's facts, or a sample of them (``sample`` < m of 100 buckets, through the
    (sample, site, day) index) when there are more than SAMPLE_LIMIT values to sort."""
    facts = ctx.facts()
    if count <= SAMPLE_LIMIT:
        return facts, False
    buckets = max(1, math.ceil(SAMPLE_BUCKETS * SAMPLE_LIMIT / count))
    return facts.filter(sample__lt=buckets), True


def timing(ctx: Context) -> Table:
    """Median and 90th percentile of first response and resolution, per kind and overall,
    over the tickets received in the period (hours)."""
    totals = ctx.totals()
    first_facts, first_sampled = _sampled(ctx, totals["responded"])
    done_facts, done_sampled = _sampled(ctx, totals["resolved"])
    first_by = percentiles(first_facts, "first_response_seconds", group="kind")
    done_by = percentiles(done_facts, "resolution_seconds", group="kind")
    first_all = percentiles(first_facts, "first_response_seconds")[ALL]
    done_all = percentiles(done_facts, "resolution_seconds")[ALL]
    kinds = sorted(set(first_by) | set(done_by), key=lambda k: -done_by.get(k, {}).get("n", 0))
    rows = []
    for kind in kinds:
        f = first_by.get(kind, {})
        d = done_by.get(kind, {})
        rows.append(
            [
                _label_kind(kind),
                f.get("n", 0),
                _hours(f.get("p50")),
                _hours(f.get("p90")),
                d.get("n", 0),
                _hours(d.get("p50")),
                _hours(d.get("p90")),
            ]
        )
    if rows:
        rows.append(
            [
                _("全部"),
                first_all["n"],
                _hours(first_all["p50"]),
                _hours(first_all["p90"]),
                done_all["n"],
                _hours(done_all["p50"]),
                _hours(done_all["p90"]),
            ]
        )
    chart = {
        "type": "bar",
        "unit": "h",
        "categories": [row[0] for row in rows],
        "series": [
            {"name": _("首次响应中位数"), "data": [row[2] for row in rows]},
            {"name": _("完成用时中位数"), "data": [row[5] for row in rows]},
            {"name": _("完成用时 90%"), "data": [row[6] for row in rows]},
        ],
    }
    note = _("按所选周期内受理的工单计算；90% 表示九成工单在此时间内。")
    if first_sampled or done_sampled:
        note += _("工单数超过 5 万，按工单号抽样计算（工单数一栏为样本数）。")
    return Table(
        "timing",
        _("首次响应与完成用时（小时）"),
        [
            _("类别"),
            _("已响应"),
            _("首次响应中位数"),
            _("首次响应 90%"),
            _("已完成"),
            _("完成用时中位数"),
            _("完成用时 90%"),
        ],
        rows,
        chart if rows else None,
        note=note,
        empty=_("所选周期内没有已响应或已完成的工单。"),
        group="timing",
    )


# --- DS-9 timeliness -----------------------------------------------------------------------


def timeliness_by_kind(ctx: Context) -> Table:
    rows = []
    for (_b, rule, kind), sums in sorted(
        ctx.clocks(group=("rule", "kind")).items(), key=lambda item: item[0][1:]
    ):
        rows.append(
            [
                rule,
                ctx.clock_name(kind),
                sums["met"],
                sums["missed"],
                sums["pending"],
                _rate(sums["met"], sums["missed"]),
            ]
        )
    chart = {
        "type": "hbar",
        "unit": "%",
        "max": 100,
        "categories": [f"{row[0]} {row[1]}" for row in rows],
        "series": [{"name": _("及时率"), "data": [row[5] for row in rows]}],
    }
    return Table(
        "timeliness_kind",
        _("处理及时率（按时限类别，DS-9）"),
        [_("规程"), _("时限"), _("按时"), _("超时"), _("未到期"), _("及时率(%)")],
        rows,
        chart if rows else None,
        note=_("按截止时间落在所选周期内的时限统计；超时后才完成的算超时。"),
        empty=_("所选周期内没有到期的时限。"),
        group="timeliness",
    )


def timeliness_by_department(ctx: Context) -> Table:
    found = ctx.clocks(group=("department_id",))
    names = _names(Department, [str(key[1]) for key in found if key[1] is not None])
    rows: list[list[Any]] = []
    for (_b, department_id), sums in found.items():
        name = names.get(str(department_id)) if department_id is not None else None
        rows.append(
            [
                name or _("未分派"),
                sums["met"],
                sums["missed"],
                sums["pending"],
                _rate(sums["met"], sums["missed"]),
            ]
        )
    rows.sort(key=lambda row: str(row[0]))
    chart = {
        "type": "hbar",
        "unit": "%",
        "max": 100,
        "categories": [row[0] for row in rows],
        "series": [{"name": _("及时率"), "data": [row[4] for row in rows]}],
    }
    return Table(
        "timeliness_department",
        _("处理及时率（按部门，DS-9）"),
        [_("部门"), _("按时"), _("超时"), _("未到期"), _("及时率(%)")],
        rows,
        chart if rows else None,
        empty=_("所选周期内没有到期的时限。"),
        group="timeliness",
    )


def timeliness_trend(ctx: Context) -> Table:
    buckets = ctx.period.buckets()
    met = [0] * len(buckets)
    missed = [0] * len(buckets)
    found = ctx.clocks(per_bucket=True)
    for (bucket,), sums in found.items():
        met[bucket] += sums["met"]
        missed[bucket] += sums["missed"]
    rows = [
        [bucket.label, met[i], missed[i], _rate(met[i], missed[i])]
        for i, bucket in enumerate(buckets)
    ]
    chart = {
        "type": "line",
        "unit": "%",
        "max": 100,
        "categories": [b.label for b in buckets],
        "series": [{"name": _("及时率"), "data": [row[3] for row in rows]}],
    }
    return Table(
        "timeliness_trend",
        _("处理及时率走势（DS-9）"),
        [_("时间"), _("按时"), _("超时"), _("及时率(%)")],
        rows if found else [],
        chart if found else None,
        empty=_("所选周期内没有到期的时限。"),
        group="timeliness",
    )


# --- satisfaction (RQ-10, CP-9) ------------------------------------------------------------


def ratings(ctx: Context) -> Table:
    totals = ctx.totals()
    total = totals["rated"]
    rows = [
        [_("%(n)d 分") % {"n": n}, totals[f"rated_{n}"], _share(totals[f"rated_{n}"], total)]
        for n in range(5, 0, -1)
    ]
    average = round(totals["rating_sum"] / total, 2) if total else None
    chart = {
        "type": "pie",
        "categories": [row[0] for row in rows],
        "series": [{"name": _("住户评价"), "data": [row[1] for row in rows]}],
    }
    return Table(
        "ratings",
        _("住户评价（RQ-10）"),
        [_("评分"), _("工单数"), _("占比(%)")],
        rows if total else [],
        chart if total else None,
        note=(_("平均 %(avg)s 分，共 %(n)d 张工单已评价。") % {"avg": average, "n": total})
        if total
        else "",
        empty=_("所选周期内受理的工单还没有评价。"),
        group="satisfaction",
    )


def return_visits(ctx: Context) -> Table:
    counts = dict(
        ReturnVisit.objects.filter(
            site_id__in=ctx.site_ids,
            done_at__gte=ctx.period.start,
            done_at__lt=ctx.period.end,
        )
        .values("satisfaction")
        .annotate(n=Count("pk"))
        .values_list("satisfaction", "n")
        .order_by()
    )
    total = sum(counts.values())
    rows = [
        [str(label), counts.get(value, 0), _share(counts.get(value, 0), total)]
        for value, label in Satisfaction.choices
    ]
    chart = {
        "type": "pie",
        "categories": [row[0] for row in rows],
        "series": [{"name": _("投诉回访"), "data": [row[1] for row in rows]}],
    }
    return Table(
        "return_visits",
        _("投诉回访满意度（CP-9）"),
        [_("满意度"), _("回访数"), _("占比(%)")],
        rows if total else [],
        chart if total else None,
        empty=_("所选周期内没有完成的投诉回访。"),
        group="satisfaction",
    )


# --- backlog (live) ------------------------------------------------------------------------


def _open_tickets(ctx: Context) -> QuerySet[Ticket]:
    # ticket_site_state_kind index: outstanding tickets are a small part of the table
    return Ticket.objects.filter(site_id__in=ctx.site_ids, state__in=BACKLOG_STATES)


def backlog_age(ctx: Context) -> Table:
    now = ctx.now
    aggregates = {}
    for number, (_label, low, high) in enumerate(AGE_BUCKETS):
        condition = Q(received_at__lte=now - dt.timedelta(days=low))
        if high is not None:
            condition &= Q(received_at__gt=now - dt.timedelta(days=high))
        aggregates[f"b{number}"] = Count("pk", filter=condition)
    counts = _open_tickets(ctx).aggregate(**aggregates)
    rows = [[label, counts[f"b{i}"]] for i, (label, _lo, _hi) in enumerate(AGE_BUCKETS)]
    total = sum(row[1] for row in rows)
    chart = {
        "type": "bar",
        "categories": [row[0] for row in rows],
        "series": [{"name": _("待处理工单"), "data": [row[1] for row in rows]}],
    }
    return Table(
        "backlog_age",
        _("待处理工单账龄（当前）"),
        [_("账龄"), _("工单数")],
        rows if total else [],
        chart if total else None,
        note=_("截至现在仍在处理或等待住户的工单（不含已完成待确认），不随所选周期变化。"),
        empty=_("目前没有待处理的工单。"),
        group="backlog",
    )


def backlog_department(ctx: Context) -> Table:
    rows = [
        [row["department__name"] or _("未分派"), row["n"]]
        for row in _open_tickets(ctx)
        .values("department_id", "department__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "department__name")
    ]
    chart = {
        "type": "hbar",
        "categories": [row[0] for row in rows],
        "series": [{"name": _("待处理工单"), "data": [row[1] for row in rows]}],
    }
    return Table(
        "backlog_department",
        _("待处理工单（按部门，当前）"),
        [_("部门"), _("工单数")],
        rows,
        chart if rows else None,
        empty=_("目前没有待处理的工单。"),
        group="backlog",
    )


# --- hotspots and recurring problems (RP-5) -------------------------------------------------


def _hotspot_table(key: str, title: str, rows: list[list[Any]]) -> Table:
    chart = {
        "type": "hbar",
        "categories": [row[0] for row in rows],
        "series": [{"name": _("工单数"), "data": [row[1] for row in rows]}],
    }
    return Table(
        key,
        title,
        [_("地点"), _("工单数"), _("其中 30 天内重复")],
        rows,
        chart if rows else None,
        empty=_("所选周期内没有可定位的工单。"),
        group="hotspots",
    )


def _unit_labels(unit_ids: Iterable[int | None]) -> dict[int, str]:
    """``{unit id: "楼栋-房号"}``, read after grouping so the grouping joins nothing."""
    wanted = {pk for pk in unit_ids if pk is not None}
    units = Unit.objects.filter(pk__in=wanted).select_related("building")
    return {unit.pk: f"{unit.building.name}-{unit.number}" for unit in units}


def hotspot_units(ctx: Context) -> Table:
    found = list(
        ctx.facts()
        .filter(unit_id__isnull=False)
        .values("unit_id")
        .annotate(n=Count("pk"), repeats=Count("pk", filter=Q(is_repeat=True)))
        .order_by("-n", "unit_id")[:TOP_HOTSPOTS]
    )
    labels = _unit_labels(row["unit_id"] for row in found)
    rows = [[labels.get(row["unit_id"], ""), row["n"], row["repeats"]] for row in found]
    return _hotspot_table("hotspot_units", _("报事最多的房屋"), rows)


def _ranked_places(ctx: Context, dimension: str, model: type[Model]) -> list[list[Any]]:
    found = [
        (value, sums)
        for (_b, value), sums in ctx.tickets(dimension).items()
        if value and sums["received"]
    ]
    found.sort(key=lambda item: (-item[1]["received"], item[0]))
    top = found[:TOP_HOTSPOTS]
    names = _names(model, [value for value, _sums in top])
    return [[names.get(value, value), sums["received"], sums["repeats"]] for value, sums in top]


def hotspot_buildings(ctx: Context) -> Table:
    return _hotspot_table(
        "hotspot_buildings",
        _("报事最多的楼栋"),
        _ranked_places(ctx, Dimension.BUILDING, Building),
    )


def hotspot_places(ctx: Context) -> Table:
    return _hotspot_table(
        "hotspot_places",
        _("报事最多的公共区域"),
        _ranked_places(ctx, Dimension.PLACE, PublicPlace),
    )


def recurring(ctx: Context) -> Table:
    """RP-5: the same place and kind again within 30 days - the places to fix for good."""
    found = list(
        ctx.facts()
        .filter(is_repeat=True)  # fact_site_day_repeat partial index
        .values("unit_id", "place_id", "kind")
        .annotate(n=Count("pk"))
        .order_by("-n", "kind", "unit_id", "place_id")[:TOP_RECURRING]
    )
    units = _unit_labels(row["unit_id"] for row in found)
    places = _names(PublicPlace, [row["place_id"] for row in found if row["place_id"]])
    rows = []
    for row in found:
        where = (
            units.get(row["unit_id"], "")
            if row["unit_id"]
            else places.get(str(row["place_id"]), "")
        )
        rows.append([where, _label_kind(row["kind"]), row["n"]])
    return Table(
        "recurring",
        _("重复问题（同一地点同类问题 30 天内再次发生）"),
        [_("地点"), _("类别"), _("重复次数")],
        rows,
        None,
        note=_("重复次数：所选周期内受理、且前 30 天内同一地点已有同类工单的工单数。"),
        empty=_("所选周期内没有重复发生的问题。"),
        group="hotspots",
    )


# --- the page ------------------------------------------------------------------------------

BUILDERS: dict[str, Callable[[Context], Table]] = {
    "volume_kind": volume_by_kind,
    "volume_channel": volume_by_channel,
    "volume_department": volume_by_department,
    "volume_building": volume_by_building,
    "volume_site": volume_by_site,
    "timing": timing,
    "timeliness_kind": timeliness_by_kind,
    "timeliness_department": timeliness_by_department,
    "timeliness_trend": timeliness_trend,
    "ratings": ratings,
    "return_visits": return_visits,
    "backlog_age": backlog_age,
    "backlog_department": backlog_department,
    "hotspot_units": hotspot_units,
    "hotspot_buildings": hotspot_buildings,
    "hotspot_places": hotspot_places,
    "recurring": recurring,
}
SITE_ONLY = frozenset({"volume_site"})


def table_keys(*, company: bool) -> list[str]:
    return [key for key in BUILDERS if company or key not in SITE_ONLY]


def summary(ctx: Context) -> dict[str, Any]:
    """The headline numbers above the charts."""
    totals = ctx.totals()
    met = missed = 0
    for sums in ctx.clocks().values():
        met += sums["met"]
        missed += sums["missed"]
    return {
        "received": totals["received"],
        "resolved": totals["resolved"],
        "backlog": _open_tickets(ctx).count(),
        "met": met,
        "missed": missed,
        "timeliness": _rate(met, missed),
        "average_rating": round(totals["rating_sum"] / totals["rated"], 2)
        if totals["rated"]
        else None,
        "rated": totals["rated"],
        "repeats": totals["repeats"],
    }


def dashboard(ctx: Context, *, company: bool) -> dict[str, Any]:
    return {
        "summary": summary(ctx),
        "tables": [BUILDERS[key](ctx) for key in table_keys(company=company)],
    }


def one_table(ctx: Context, key: str) -> Table | None:
    builder = BUILDERS.get(key)
    return builder(ctx) if builder is not None else None


def compare_kinds(ctx: Context, previous: Period) -> Table:
    """RP-5 trends for the quarterly pack: received per kind this period vs the one before."""
    before = Context(ctx.site_ids, previous, ctx.now)
    now_counts = {key[1]: sums["received"] for key, sums in ctx.tickets(Dimension.KIND).items()}
    then_counts = {key[1]: sums["received"] for key, sums in before.tickets(Dimension.KIND).items()}
    rows = []
    for kind in sorted(set(now_counts) | set(then_counts), key=lambda k: -now_counts.get(k, 0)):
        this, last = now_counts.get(kind, 0), then_counts.get(kind, 0)
        change = round(100 * (this - last) / last, 1) if last else None
        rows.append([_label_kind(kind), this, last, change])
    chart = {
        "type": "bar",
        "categories": [row[0] for row in rows],
        "series": [
            {"name": ctx.period.label, "data": [row[1] for row in rows]},
            {"name": previous.label, "data": [row[2] for row in rows]},
        ],
    }
    return Table(
        "compare_kinds",
        _("与上一周期对比（按类别）"),
        [_("类别"), ctx.period.label, previous.label, _("变化(%)")],
        rows,
        chart if rows else None,
        empty=_("两个周期都没有受理工单。"),
        group="trend",
    )
