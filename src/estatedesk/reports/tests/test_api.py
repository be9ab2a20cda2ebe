"""The reports API: dashboard figures and the RP-4 exception list as JSON, same access rules
as the pages."""

from __future__ import annotations

from typing import Any

import pytest

from estatedesk.org.enums import Role
from estatedesk.reports.tests.conftest import at
from estatedesk.sla.jobs import sweep

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(desk: Any, units: list[Any]) -> dict[str, Any]:
    late = desk.ticket(at(2026, 3, 2, 9, 0), unit=units[0])
    desk.dispatch(late, at(2026, 3, 3, 10, 0))
    left = desk.ticket(at(2026, 3, 5, 9, 0), unit=units[1])
    desk.dispatch(left, at(2026, 3, 5, 9, 10))
    sweep(now=at(2026, 3, 6, 9, 0))
    desk.refresh(at(2026, 3, 6, 9, 5))
    return {"late": late, "left": left}


def test_dashboard_json_has_the_summary_and_every_table_ds9(client, site, people, data):
    client.force_login(people["manager"])
    body = client.get(
        "/api/v1/reports/dashboard", {"site": site.pk, "period": "month", "date": "2026-03-10"}
    ).json()
    assert body["scope"] == str(site.pk)
    assert body["period"] == {
        "kind": "month",
        "first": "2026-03-01",
        "last": "2026-03-31",
        "label": "2026 年 3 月",
    }
    assert body["summary"]["received"] == 2
    keys = [t["key"] for t in body["tables"]]
    assert keys[:4] == ["volume_kind", "volume_channel", "volume_department", "volume_building"]
    assert "volume_site" not in keys
    timeliness = next(t for t in body["tables"] if t["key"] == "timeliness_kind")
    first_response = [r for r in timeliness["rows"] if r[0] == "RQ-6"]
    assert first_response == [["RQ-6", "24 小时内首次响应", 1, 1, 0, 50.0]]


def test_custom_period_by_from_and_to(client, site, people, data):
    client.force_login(people["manager"])
    body = client.get(
        "/api/v1/reports/dashboard",
        {"site": site.pk, "period": "custom", "from": "2026-03-05", "to": "2026-03-05"},
    ).json()
    assert body["summary"]["received"] == 1


def test_exception_list_json_flags_unfilled_rp4(client, site, people, data):
    client.force_login(people["supervisor"])
    body = client.get(
        "/api/v1/reports/exceptions",
        {"site": site.pk, "period": "month", "date": "2026-03-01", "limit": 2},
    ).json()
    # late: RQ-6 met late (no exception row), DS-3 and DS-4 breached; left: DS-3, DS-4.
    assert body["count"] == 5 and body["limit"] == 2
    first = body["items"][0]
    assert (first["ticket_number"], first["rule"], first["exception_id"], first["unfilled"]) == (
        data["late"].number,
        "RQ-6",
        None,
        True,
    )
    assert body["items"][1]["exception_id"] is not None


def test_api_refuses_other_roles_and_other_sites(client, site, other_site, make_staff):
    client.force_login(make_staff(site, Role.DISPATCHER))
    response = client.get("/api/v1/reports/dashboard")
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    client.force_login(make_staff(site, Role.SITE_MANAGER))
    response = client.get("/api/v1/reports/exceptions", {"site": other_site.pk})
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_api_bad_period_is_a_400(client, site, make_staff):
    client.force_login(make_staff(site, Role.QUALITY))
    response = client.get("/api/v1/reports/dashboard", {"period": "decade"})
    assert response.status_code == 400 and response.json()["code"] == "invalid"


def test_exception_list_api_costs_the_same_queries_at_1_and_20(
    client, site, people, desk, units, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(people["manager"])
    params = {"site": site.pk, "period": "month", "date": "2026-03-01"}

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/api/v1/reports/exceptions", params).status_code == 200
        return len(captured)

    ticket = desk.ticket(at(2026, 3, 2, 9, 0), unit=units[0])
    desk.dispatch(ticket, at(2026, 3, 2, 9, 10))
    sweep(now=at(2026, 3, 2, 12, 0))
    one = count()
    for n in range(10):
        more = desk.ticket(at(2026, 3, 3, 9, n), unit=units[n % 4])
        desk.dispatch(more, at(2026, 3, 3, 9, 10 + n))
    sweep(now=at(2026, 3, 4, 12, 0))
    assert count() == one
