"""Report pages: who may see them (supervisors, managers, executives, quality; 404 for another
site), the RP-4 exception report and its fill-in, the exports, and query counts that do not
grow with the data."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from estatedesk.core.models import Event
from estatedesk.org.enums import Role
from estatedesk.reports.tests.conftest import at
from estatedesk.sla.jobs import sweep
from estatedesk.sla.models import ClockException

pytestmark = pytest.mark.django_db

MARCH = {"period": "month", "date": "2026-03-01"}
PAGES = [
    "/reports/",
    "/reports/kpis/",
    "/reports/exceptions/",
    "/reports/pack/",
    "/reports/surveys/",
    "/reports/training/",
    "/reports/records/",
]


@pytest.mark.parametrize(
    "role", [Role.CS_SUPERVISOR, Role.SITE_MANAGER, Role.AREA_MANAGER, Role.GM, Role.QUALITY]
)
@pytest.mark.parametrize("url", PAGES)
def test_report_readers_see_the_pages_rp5(client, site, make_staff, role, url):
    client.force_login(make_staff(site, role))
    assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    "role", [Role.CS_ASSISTANT, Role.DISPATCHER, Role.DEPT_STAFF, Role.DEPT_HEAD, Role.FINANCE]
)
@pytest.mark.parametrize("url", PAGES)
def test_other_roles_are_refused(client, site, make_staff, role, url):
    client.force_login(make_staff(site, role))
    assert client.get(url).status_code == 403


def test_anonymous_is_sent_to_login(client):
    response = client.get("/reports/")
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize(
    "url",
    [
        "/reports/",
        "/reports/kpis/",
        "/reports/exceptions/",
        "/reports/pack/",
        "/reports/surveys/",
        "/reports/training/",
        "/reports/records/",
        "/reports/export/volume_kind.xlsx",
        "/reports/exceptions.xlsx",
        "/reports/kpis.xlsx",
    ],
)
def test_another_sites_reports_are_404(client, site, other_site, make_staff, url):
    client.force_login(make_staff(site, Role.SITE_MANAGER))
    assert client.get(url, {"site": other_site.pk}).status_code == 404


def test_a_manager_of_two_sites_sees_the_company_view_of_both(client, site, other_site, make_staff):
    manager = make_staff(site, Role.AREA_MANAGER)
    from estatedesk.org.models import Membership

    Membership.objects.create(user=manager, site=other_site, role=Role.AREA_MANAGER)
    client.force_login(manager)
    page = client.get("/reports/")
    assert page.status_code == 200
    assert page.context["scope"].is_company
    assert page.context["scope"].site_ids == sorted([site.pk, other_site.pk])
    assert "各管理处对比" in page.content.decode()


def test_bad_period_input_is_a_clear_error_page(client, site, make_staff):
    client.force_login(make_staff(site, Role.SITE_MANAGER))
    response = client.get(
        "/reports/", {"period": "custom", "from": "2026-03-10", "to": "2026-03-01"}
    )
    assert response.status_code == 400
    assert "结束日期不能早于开始日期" in response.content.decode()


@pytest.fixture
def late_week(desk: Any, units: list[Any]) -> dict[str, Any]:
    """One ticket answered late (no exception row: met before the sweep), one left alone
    (the sweep breaches DS-3 and DS-4 and records two RP-4 exceptions)."""
    late = desk.ticket(at(2026, 3, 2, 9, 0), unit=units[0])
    desk.dispatch(late, at(2026, 3, 3, 10, 0))  # RQ-6 first response after 25 h
    desk.complete(late, at(2026, 3, 3, 11, 0))
    left = desk.ticket(at(2026, 3, 5, 9, 0), unit=units[1])
    desk.dispatch(left, at(2026, 3, 5, 9, 10))
    sweep(now=at(2026, 3, 6, 9, 0))
    return {"late": late, "left": left}


def test_exception_report_lists_every_missed_clock_and_flags_unfilled_ones_rp4(
    client, site, people, late_week
):
    client.force_login(people["manager"])
    page = client.get("/reports/exceptions/", {"site": site.pk, **MARCH})
    rows = list(page.context["page"].object_list)
    assert [(c.ticket_id, c.rule) for c in rows] == [
        (late_week["late"].pk, "RQ-6"),
        (late_week["left"].pk, "DS-3"),
        (late_week["left"].pk, "DS-4"),
    ]
    html = page.content.decode()
    assert html.count("flag-unfilled") == 3
    assert html.count("fill-link") == 3  # the site manager may fill them in too
    unfilled = client.get("/reports/exceptions/", {"site": site.pk, "unfilled": "1", **MARCH})
    assert len(unfilled.context["page"].object_list) == 3


def test_supervisor_fills_cause_and_corrective_action_rp4(client, site, people, late_week):
    exception = ClockException.objects.get(ticket=late_week["left"], rule="DS-3")
    client.force_login(people["supervisor"])
    response = client.post(
        f"/reports/exceptions/{exception.clock_id}/",
        {
            "cause": "师傅休假无人接单",
            "corrective_action": "排班增加后备维修工",
            "back": "/reports/exceptions/",
        },
    )
    assert response.status_code == 302
    exception.refresh_from_db()
    assert (exception.cause, exception.corrective_action) == (
        "师傅休假无人接单",
        "排班增加后备维修工",
    )
    assert exception.filled_by == people["supervisor"]
    assert Event.objects.filter(verb="sla.exception_filled", subject_id=exception.pk).count() == 1
    unfilled = client.get("/reports/exceptions/", {"site": site.pk, "unfilled": "1", **MARCH})
    assert [c.rule for c in unfilled.context["page"].object_list] == ["RQ-6", "DS-4"]


def test_a_clock_met_late_before_any_sweep_gets_its_exception_when_filled_rp4(
    client, site, people, late_week
):
    """RQ-6 of ``late`` was met after its due time before the sweep saw it: no row yet."""
    clock_row = late_week["late"].clocks.get(rule="RQ-6")
    assert not ClockException.objects.filter(clock=clock_row).exists()
    client.force_login(people["supervisor"])
    listing = client.get("/reports/exceptions/", {"site": site.pk, **MARCH})
    assert listing.content.decode().count("fill-link") == 3
    response = client.post(
        f"/reports/exceptions/{clock_row.pk}/",
        {"cause": "电话登记后忘记派单", "corrective_action": "受理后立即派工"},
    )
    assert response.status_code == 302
    exception = ClockException.objects.get(clock=clock_row)
    assert (exception.rule, exception.cause, exception.filled_by) == (
        "RQ-6",
        "电话登记后忘记派单",
        people["supervisor"],
    )
    assert Event.objects.filter(verb="reports.exception_opened", subject_id=exception.pk).exists()


def test_a_clock_that_was_not_missed_takes_no_exception_rp4(client, people, desk, units):
    ticket = desk.ticket(at(2026, 3, 2, 9, 0), unit=units[0])
    desk.dispatch(ticket, at(2026, 3, 2, 9, 5))
    on_time = ticket.clocks.get(rule="RQ-6")
    client.force_login(people["supervisor"])
    response = client.post(
        f"/reports/exceptions/{on_time.pk}/", {"cause": "x", "corrective_action": "y"}
    )
    assert response.status_code == 200
    assert "无需填写" in response.content.decode()
    assert not ClockException.objects.filter(clock=on_time).exists()


def test_a_blank_cause_keeps_what_was_typed_and_changes_nothing_rp4(client, people, late_week):
    exception = ClockException.objects.get(ticket=late_week["left"], rule="DS-4")
    client.force_login(people["supervisor"])
    response = client.post(
        f"/reports/exceptions/{exception.clock_id}/", {"cause": "", "corrective_action": "加派人手"}
    )
    assert response.status_code == 200
    assert "加派人手" in response.content.decode()
    exception.refresh_from_db()
    assert exception.filled_at is None and exception.corrective_action == ""


def test_quality_reads_the_exception_but_may_not_fill_it_rp4(client, people, late_week):
    exception = ClockException.objects.get(ticket=late_week["left"], rule="DS-3")
    client.force_login(people["quality"])
    assert client.get(f"/reports/exceptions/{exception.clock_id}/").status_code == 200
    response = client.post(
        f"/reports/exceptions/{exception.clock_id}/", {"cause": "x", "corrective_action": "y"}
    )
    assert response.status_code == 404
    exception.refresh_from_db()
    assert exception.filled_at is None


def test_exception_of_another_site_is_404(client, other_site, make_staff, late_week):
    exception = ClockException.objects.filter(ticket=late_week["left"]).first()
    client.force_login(make_staff(other_site, Role.CS_SUPERVISOR))
    assert client.get(f"/reports/exceptions/{exception.clock_id}/").status_code == 404


def test_exception_export_is_an_xlsx_with_the_missed_clocks_rp4(client, site, people, late_week):
    client.force_login(people["manager"])
    response = client.get("/reports/exceptions.xlsx", {"site": site.pk, **MARCH})
    book = load_workbook(filename=io.BytesIO(response.content))
    rows = list(book.active.iter_rows(values_only=True))
    numbers = [row[0] for row in rows[6:]]
    assert numbers == [late_week["late"].number, late_week["left"].number, late_week["left"].number]


def test_table_export_quotes_text_that_would_run_as_a_formula(client, site, people, desk, units):
    units[0].building.name = '=HYPERLINK("http://x")'
    units[0].building.save()
    desk.ticket(at(2026, 3, 2, 9, 0), unit=units[0])
    desk.refresh(at(2026, 3, 2, 9, 5))
    client.force_login(people["manager"])
    response = client.get("/reports/export/volume_building.xlsx", {"site": site.pk, **MARCH})
    book = load_workbook(filename=io.BytesIO(response.content))
    cells = [c for row in book.active.iter_rows(values_only=True) for c in row if c]
    assert '\'=HYPERLINK("http://x")' in cells
    assert not any(isinstance(c, str) and c.startswith("=") for c in cells)


def test_unknown_table_export_is_404(client, site, people):
    client.force_login(people["manager"])
    assert client.get("/reports/export/nothing.xlsx").status_code == 404


def _queries(client: Any, url: str, params: dict[str, Any]) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params).status_code == 200
    return len(captured)


def _tickets(desk: Any, units: list[Any], count: int, start: dt.datetime) -> None:
    for n in range(count):
        ticket = desk.ticket(start + dt.timedelta(hours=n), unit=units[n % len(units)])
        desk.dispatch(ticket, start + dt.timedelta(hours=n, minutes=30))
        if n % 2:
            desk.complete(ticket, start + dt.timedelta(hours=n + 1))
            desk.rate(ticket, 1 + n % 5, start + dt.timedelta(hours=n + 2))
    sweep(now=start + dt.timedelta(days=3))
    desk.refresh(start + dt.timedelta(days=3))


@pytest.mark.parametrize(
    "url",
    [
        "/reports/",
        "/reports/kpis/",
        "/reports/exceptions/",
        "/reports/pack/",
        "/api/v1/reports/dashboard",
    ],
)
def test_report_pages_cost_the_same_queries_at_2_and_22_tickets(
    client, site, people, desk, units, url
):
    """No query per row: two tickets of one unit (one repeat, so every table has a row to
    label) cost what 22 do."""
    client.force_login(people["manager"])
    params = {
        "site": site.pk,
        "period": "quarter",
        "date": "2026-03-01",
        "year": 2026,
        "quarter": 1,
    }
    _tickets(desk, units[:1], 2, at(2026, 3, 2, 9, 0))
    one = _queries(client, url, params)
    _tickets(desk, units, 20, at(2026, 3, 9, 9, 0))
    twenty = _queries(client, url, params)
    assert one == twenty


def test_drill_down_costs_the_same_queries_at_1_and_20_rows(client, site, people, desk, units):
    client.force_login(people["manager"])
    params = {
        "site": site.pk,
        "period": "month",
        "date": "2026-03-01",
        "metric": "on_time",
        "user": people["dispatcher"].pk,
    }
    _tickets(desk, units, 1, at(2026, 3, 2, 9, 0))
    one = _queries(client, "/reports/kpis/drill/", params)
    _tickets(desk, units, 20, at(2026, 3, 9, 9, 0))
    twenty = _queries(client, "/reports/kpis/drill/", params)
    assert one == twenty
