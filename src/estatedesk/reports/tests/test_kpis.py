"""RP-7 staff figures per person and department, checked by hand, with the drill-down to the
clocks and tickets behind each number; RP-8 training shown next to them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine

from estatedesk.reports import kpis, periods, services
from estatedesk.reports.enums import PeriodKind
from estatedesk.reports.tests.conftest import at
from estatedesk.sla.jobs import sweep

pytestmark = pytest.mark.django_db

MARCH = periods.make(PeriodKind.MONTH, dt.date(2026, 3, 1))


@pytest.fixture
def week(desk: Any, units: list[Any]) -> dict[str, Any]:
    """Monday 2 March 2026 (a working day, 08:30-17:30):
    k1 dispatched at once, DS-3 follow-up on time, completed before the end of the day;
    k2 dispatched at once, DS-3 follow-up late, completed the next morning (DS-4 late);
    k3 dispatched on Thursday and left alone: the sweep breaches DS-3 and DS-4."""
    k1 = desk.ticket(at(2026, 3, 2, 9, 0), unit=units[0])
    desk.dispatch(k1, at(2026, 3, 2, 9, 30))
    desk.follow_up(k1, "ds3", at(2026, 3, 2, 11, 0))
    desk.complete(k1, at(2026, 3, 2, 16, 0))
    k2 = desk.ticket(at(2026, 3, 2, 10, 0), unit=units[1])
    desk.dispatch(k2, at(2026, 3, 2, 10, 15))
    desk.follow_up(k2, "ds3", at(2026, 3, 2, 13, 0))
    desk.complete(k2, at(2026, 3, 3, 9, 0))
    k3 = desk.ticket(at(2026, 3, 5, 9, 0), unit=units[2])
    desk.dispatch(k3, at(2026, 3, 5, 9, 10))
    sweep(now=at(2026, 3, 6, 9, 0))
    desk.rate(k1, 5, at(2026, 3, 3, 10, 0))
    desk.act(k2, "reopen", "assistant", at(2026, 3, 4, 9, 0), reason="还在漏水")
    return {"k1": k1, "k2": k2, "k3": k3}


def _row(rows: list[kpis.KpiRow], ident: Any) -> kpis.KpiRow:
    (found,) = [r for r in rows if r.ident == ident]
    return found


def test_staff_figures_per_person_rp7(site, people, week):
    rows = kpis.staff([site.pk], MARCH)
    dispatcher = _row(rows, people["dispatcher"].pk)
    # RQ-6 first responses of k1, k2, k3 and k1's DS-3 on time; k2's DS-3 late.
    assert (dispatcher.on_time, dispatcher.late, dispatcher.missed) == (4, 1, 0)
    assert (dispatcher.fu_on_time, dispatcher.fu_late) == (1, 1)
    assert dispatcher.clock_rate == 80.0
    plumber = _row(rows, people["plumber"].pk)
    # k1's DS-4 met by the completion, k2's late; k3's DS-3 and DS-4 breached on his ticket.
    assert (plumber.on_time, plumber.late, plumber.missed) == (1, 1, 2)
    assert plumber.clock_rate == 25.0
    assert (plumber.rated, plumber.rating_avg, plumber.reopened) == (1, 5.0, 1)
    quality = _row(rows, people["quality"].pk)
    assert quality.is_empty and quality.clock_rate is None


def test_department_figures_count_follow_ups_missed_outright_rp7_ds9(site, engineering, week):
    row = _row(kpis.departments([site.pk], MARCH), engineering.pk)
    assert (row.on_time, row.late, row.missed) == (5, 2, 2)
    assert (row.fu_on_time, row.fu_late, row.fu_missed) == (2, 2, 2)
    assert row.clock_rate == 55.6
    assert row.follow_up_rate == 33.3
    assert (row.rated, row.reopened) == (1, 1)


def test_drill_down_lists_the_clocks_and_tickets_behind_a_number_rp7(site, people, week):
    plumber = people["plumber"].pk
    missed = kpis.drill([site.pk], MARCH, "missed", user_id=plumber)
    assert sorted(c.rule for c in missed) == ["DS-3", "DS-4"]
    assert {c.ticket_id for c in missed} == {week["k3"].pk}
    late = kpis.drill([site.pk], MARCH, "fu_late", user_id=people["dispatcher"].pk)
    assert [(c.ticket_id, c.rule) for c in late] == [(week["k2"].pk, "DS-3")]
    reopened = kpis.drill([site.pk], MARCH, "reopened", user_id=plumber)
    assert [t.pk for t in reopened] == [week["k2"].pk]
    assert list(kpis.drill([site.pk], MARCH, "rated", user_id=people["dispatcher"].pk)) == []


def test_training_is_shown_next_to_the_persons_figures_rp8(site, people, week):
    with time_machine.travel(at(2026, 3, 10, 15, 0), tick=False):
        services.training_session_create(
            site=site,
            procedure="DS",
            topic="跟进时限",
            held_on=dt.date(2026, 3, 9),
            hours=2,
            trainer="陈主管",
            notes="",
            attendee_ids=[people["dispatcher"].pk],
            actor=people["supervisor"],
        )
    rows = kpis.staff([site.pk], MARCH)
    assert _row(rows, people["dispatcher"].pk).trained == [("DS", dt.date(2026, 3, 9))]
    assert _row(rows, people["plumber"].pk).trained == []


def test_kpi_page_and_drill_page_show_the_numbers_and_the_tickets(client, site, people, week):
    client.force_login(people["manager"])
    page = client.get("/reports/kpis/", {"site": site.pk, "period": "month", "date": "2026-03-01"})
    assert page.status_code == 200
    assert "80.0%" in page.content.decode()
    drill = client.get(
        "/reports/kpis/drill/",
        {
            "site": site.pk,
            "period": "month",
            "date": "2026-03-01",
            "metric": "missed",
            "user": people["plumber"].pk,
        },
    )
    assert drill.status_code == 200
    assert drill.content.decode().count(week["k3"].number) == 2
    export = client.get(
        "/reports/kpis.xlsx", {"site": site.pk, "period": "month", "date": "2026-03-01"}
    )
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")


def test_drill_for_someone_of_another_site_is_404(client, site, other_site, people, make_staff):
    stranger = make_staff(other_site, "dispatcher")
    client.force_login(people["manager"])
    response = client.get(
        "/reports/kpis/drill/", {"site": site.pk, "metric": "on_time", "user": stranger.pk}
    )
    assert response.status_code == 404
