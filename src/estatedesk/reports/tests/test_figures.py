"""The dashboard's figures against values computed by hand on a small fixed data set (RP-5,
DS-9, RQ-10), including a ticket received on 31 March and handled on 1 April."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from estatedesk.reports import figures, periods
from estatedesk.reports.enums import PeriodKind
from estatedesk.reports.models import (
    DailyClockStats,
    DailyTicketStats,
    MonthlyTicketStats,
    TicketFact,
)
from estatedesk.reports.tests.conftest import at

pytestmark = pytest.mark.django_db

MARCH = periods.make(PeriodKind.MONTH, dt.date(2026, 3, 1))
APRIL = periods.make(PeriodKind.MONTH, dt.date(2026, 4, 1))


@pytest.fixture
def march(desk: Any, units: list[Any]) -> dict[str, Any]:
    """Five repairs received in March 2026, hours to first response / to completion:
    t1 1 / 2, t2 3 / 4 (same unit as t1 a day later), t3 25 / 30 (first response late),
    t4 0.5 / 10, t5 received 31 March 23:30, 1 / 6 (handled on 1 April)."""
    u1, u2, u3, u4 = units
    plan = [
        ("t1", at(2026, 3, 2, 9, 0), u1, 1, 2),
        ("t2", at(2026, 3, 3, 9, 0), u1, 3, 4),
        ("t3", at(2026, 3, 10, 9, 0), u2, 25, 30),
        ("t4", at(2026, 3, 20, 9, 0), u3, 0.5, 10),
        ("t5", at(2026, 3, 31, 23, 30), u4, 1, 6),
    ]
    made = {}
    for name, received, unit, respond, done in plan:
        ticket = desk.ticket(received, unit=unit)
        desk.dispatch(ticket, received + dt.timedelta(hours=respond))
        desk.complete(ticket, received + dt.timedelta(hours=done))
        made[name] = ticket
    desk.rate(made["t1"], 5, at(2026, 3, 3, 12, 0))
    desk.rate(made["t2"], 4, at(2026, 3, 4, 12, 0))
    desk.refresh(at(2026, 4, 2, 8, 0))
    return made


def _table(ctx: figures.Context, key: str) -> figures.Table:
    table = figures.one_table(ctx, key)
    assert table is not None
    return table


def test_timeliness_rate_is_three_of_four_first_responses_in_march_ds9(site, march):
    table = _table(figures.Context([site.pk], MARCH), "timeliness_kind")
    first_response = [row for row in table.rows if row[0] == "RQ-6"]
    # t1, t2, t4 answered within 24 h; t3 after 25 h (met late = missed); t5 falls due in April.
    assert first_response == [["RQ-6", "24 小时内首次响应", 3, 1, 0, 75.0]]


def test_a_ticket_received_on_31_march_counts_in_march_and_its_clock_in_april_rp5_ds9(site, march):
    march_ctx = figures.Context([site.pk], MARCH)
    april_ctx = figures.Context([site.pk], APRIL)
    assert figures.summary(march_ctx)["received"] == 5
    assert figures.summary(april_ctx)["received"] == 0
    volume = _table(march_ctx, "volume_kind")
    assert volume.rows[-1] == ["合计", 5, 5]
    assert volume.rows[30] == ["03-31", 1, 1]  # t5 in the bucket of its receipt day
    april = [row for row in _table(april_ctx, "timeliness_kind").rows if row[0] == "RQ-6"]
    assert april == [["RQ-6", "24 小时内首次响应", 1, 0, 0, 100.0]]


def test_median_and_90th_percentile_of_response_and_resolution_hours_rp5(site, march):
    table = _table(figures.Context([site.pk], MARCH), "timing")
    # first response 0.5, 1, 1, 3, 25 h -> median 1, p90 3 + 0.6 * 22 = 16.2
    # resolution 2, 4, 6, 10, 30 h -> median 6, p90 10 + 0.6 * 20 = 22
    assert table.rows == [
        ["报修", 5, 1.0, 16.2, 5, 6.0, 22.0],
        ["全部", 5, 1.0, 16.2, 5, 6.0, 22.0],
    ]


def test_hotspots_and_recurring_problem_at_the_same_unit_within_30_days_rp5(site, march, units):
    ctx = figures.Context([site.pk], MARCH)
    hotspots = _table(ctx, "hotspot_units")
    assert hotspots.rows[0] == [units[0].label, 2, 1]
    assert _table(ctx, "recurring").rows == [[units[0].label, "报修", 1]]
    assert _table(ctx, "hotspot_buildings").rows == [["3栋", 5, 1]]
    assert _table(ctx, "hotspot_places").rows == []


def test_ratings_and_their_average_rq10(site, march):
    table = _table(figures.Context([site.pk], MARCH), "ratings")
    assert [row[1] for row in table.rows] == [1, 1, 0, 0, 0]
    assert table.note == "平均 4.5 分，共 2 张工单已评价。"
    summary = figures.summary(figures.Context([site.pk], MARCH))
    assert (summary["average_rating"], summary["rated"], summary["resolved"]) == (4.5, 2, 5)


def test_backlog_counts_open_tickets_by_age_now(site, desk, units):
    old = desk.ticket(at(2026, 3, 1, 9, 0), unit=units[0])
    desk.ticket(at(2026, 3, 9, 9, 0), unit=units[1])
    done = desk.ticket(at(2026, 3, 9, 9, 0), unit=units[2])
    desk.dispatch(done, at(2026, 3, 9, 10, 0))
    desk.complete(done, at(2026, 3, 9, 11, 0))
    ctx = figures.Context([site.pk], MARCH, now=at(2026, 3, 10, 12, 0))
    table = _table(ctx, "backlog_age")
    assert table.rows == [
        ["< 1 天", 0],
        ["1-3 天", 1],
        ["3-7 天", 0],
        ["7-30 天", 1],
        ["> 30 天", 0],
    ]
    assert old.pk  # the 9-day-old one is the 7-30 day bucket
    by_department = _table(ctx, "backlog_department")
    assert by_department.rows == [["未分派", 2]]


def test_company_view_compares_sites_and_other_sites_do_not_leak_in(site, other_site, march):
    company = figures.Context([site.pk, other_site.pk], MARCH)
    table = _table(company, "volume_site")
    assert table.rows[0][:4] == [site.name, 5, 5, 0]
    alone = figures.Context([other_site.pk], MARCH)
    assert figures.summary(alone)["received"] == 0


def test_a_year_reads_whole_months_and_a_custom_range_adds_its_edge_days(site, march):
    year = figures.Context([site.pk], periods.make(PeriodKind.YEAR, dt.date(2026, 5, 1)))
    assert figures.summary(year)["received"] == 5
    assert _table(year, "volume_kind").rows[2] == ["2026-03", 5, 5]
    edges = figures.Context(
        [site.pk],
        periods.parse({"period": "custom", "from": "2026-03-03", "to": "2026-06-30"}),
    )
    assert figures.summary(edges)["received"] == 4  # t1 of 2 March is outside
    assert [row for row in _table(edges, "timeliness_kind").rows if row[0] == "RQ-6"] == [
        ["RQ-6", "24 小时内首次响应", 4, 1, 0, 80.0]  # t1 due 3 March and t5 1 April: inside
    ]


def test_rollup_refresh_is_idempotent_and_matches_the_tickets(site, desk, march):
    facts = TicketFact.objects.filter(site=site).count()
    totals = DailyTicketStats.objects.filter(site=site, dimension="all").order_by("day")
    stats = list(totals.values_list("day", "received"))
    clocks = DailyClockStats.objects.filter(site=site).count()
    desk.refresh(at(2026, 4, 2, 8, 5))
    assert TicketFact.objects.filter(site=site).count() == facts == 5
    assert list(totals.values_list("day", "received")) == stats
    assert DailyClockStats.objects.filter(site=site).count() == clocks
    assert [day.isoformat() for day, _n in stats] == [
        "2026-03-02",
        "2026-03-03",
        "2026-03-10",
        "2026-03-20",
        "2026-03-31",
    ]


def test_an_old_tickets_new_rating_reaches_its_day_through_the_event_watermark(site, desk, march):
    desk.rate(march["t3"], 2, at(2026, 4, 20, 9, 0))
    desk.refresh(at(2026, 4, 20, 9, 5))
    row = DailyTicketStats.objects.get(site=site, day=dt.date(2026, 3, 10), dimension="all")
    assert (row.rated, row.rating_sum, row.rated_2) == (1, 2, 1)
    month = MonthlyTicketStats.objects.get(site=site, month=dt.date(2026, 3, 1), dimension="all")
    assert (month.received, month.rated, month.rating_sum) == (5, 3, 11)
    assert TicketFact.objects.get(ticket=march["t3"]).rating == 2
