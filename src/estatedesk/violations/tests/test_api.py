"""API: same rules as the pages, JSON refusals with codes, 404 outside the user's sites."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from estatedesk.core import clock
from estatedesk.org.enums import Role
from estatedesk.org.tests.factories import ResidentFactory
from estatedesk.violations.enums import Grade, MeasureKind, ViolationKind
from estatedesk.violations.models import ViolationCase
from estatedesk.violations.tests.factories import arrears_case, make_case

pytestmark = pytest.mark.django_db


def _post(client, url: str, payload: dict):
    return client.post(url, payload, content_type="application/json")


def test_api_list_query_count_does_not_grow_with_rows(client, site, staff) -> None:
    make_case(site, staff["assistant"])
    client.force_login(staff["supervisor"])
    with CaptureQueriesContext(connection) as one:
        assert client.get("/api/v1/violations/cases").json()["count"] == 1
    for _ in range(19):
        make_case(site, staff["assistant"])
    with CaptureQueriesContext(connection) as twenty:
        data = client.get("/api/v1/violations/cases?limit=50").json()
    assert (data["count"], len(data["items"])) == (20, 20)
    assert len(one.captured_queries) == len(twenty.captured_queries)


def test_api_guard_cannot_decide_a_penalty_403_nothing_changed_vi9(client, site, staff) -> None:
    case = make_case(site, staff["assistant"], onsite_persuasion="劝阻")
    client.force_login(staff["guard"])
    response = _post(
        client,
        f"/api/v1/violations/cases/{case.pk}/decisions",
        {"kind": "compensation", "details": "罚款", "amount": "500", "out_of_order_reason": "x"},
    )
    assert response.status_code == 403
    assert response.json()["code"] == "penalty_not_authorized"
    case.refresh_from_db()
    assert (case.state, case.version, case.measures.count()) == ("registered", 1, 1)


def test_api_guard_may_record_persuasion_vi9(client, site, staff) -> None:
    case = make_case(site, staff["assistant"])
    client.force_login(staff["guard"])
    response = _post(
        client,
        f"/api/v1/violations/cases/{case.pk}/measures",
        {"kind": "persuasion", "details": "上门劝导"},
    )
    assert response.status_code == 201
    assert [m["kind"] for m in response.json()["measures"]] == ["persuasion"]


def test_api_user_of_another_site_gets_404(client, site, other_site, staff, make_staff) -> None:
    case = make_case(site, staff["assistant"])
    client.force_login(make_staff(other_site, Role.SITE_MANAGER))
    assert client.get(f"/api/v1/violations/cases/{case.pk}").status_code == 404
    response = _post(client, f"/api/v1/violations/cases/{case.pk}/resolve", {"resolution": "x"})
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    assert client.get("/api/v1/violations/cases").json() == {"count": 0, "items": []}
    case.refresh_from_db()
    assert case.state == "registered"


def test_api_register_decide_and_resolve(client, site, staff) -> None:
    resident = ResidentFactory(site=site)
    client.force_login(staff["assistant"])
    created = _post(
        client,
        "/api/v1/violations/cases",
        {
            "unit_id": resident.units.get().pk,
            "resident_id": resident.pk,
            "kind": ViolationKind.RENOVATION,
            "sub_kind": "renovation_bearing_wall",
            "location": "1201 客厅",
            "occurred_at": clock.now().isoformat(),
            "witness": "工程部",
            "description": "拆改承重墙",
            "onsite_persuasion": "当场要求停工",
            "grade": Grade.MAJOR,
            "endangers_safety": True,
        },
    )
    assert created.status_code == 201
    body = created.json()
    assert (body["grade"], body["retention_class"], body["assigned_to_id"]) == (
        "major",
        "major_5y",
        staff["manager"].pk,
    )
    pk = body["id"]
    client.force_login(staff["manager"])
    decided = _post(
        client,
        f"/api/v1/violations/cases/{pk}/decisions",
        {
            "kind": "compensation",
            "details": "恢复原状并赔偿",
            "amount": "5000",
            "out_of_order_reason": "危及结构安全",
        },
    )
    assert decided.status_code == 201
    comp = decided.json()["measures"][-1]
    assert (comp["kind"], comp["amount"], comp["signed_by_id"]) == (
        "compensation",
        "5000.00",
        staff["manager"].pk,
    )
    resolved = _post(client, f"/api/v1/violations/cases/{pk}/resolve", {"resolution": "已恢复"})
    assert (resolved.status_code, resolved.json()["state"]) == (200, "resolved")


def test_api_out_of_order_measure_is_400_with_code_vi4(client, site, staff) -> None:
    case = make_case(site, staff["assistant"])
    client.force_login(staff["assistant"])
    response = _post(
        client,
        f"/api/v1/violations/cases/{case.pk}/measures",
        {
            "kind": "rectification",
            "details": "限期拆除",
            "deadline": (clock.now() + dt.timedelta(days=3)).isoformat(),
        },
    )
    assert (response.status_code, response.json()["code"]) == (400, "measure_out_of_order")
    assert case.measures.count() == 0


def test_api_cutoff_without_covenant_clause_is_refused_vi6(client, site, staff) -> None:
    case = arrears_case(site, staff["assistant"], onsite_persuasion="沟通")
    client.force_login(staff["manager"])
    response = _post(
        client,
        f"/api/v1/violations/cases/{case.pk}/decisions",
        {"kind": MeasureKind.CUTOFF, "details": "停水", "out_of_order_reason": "欠费严重"},
    )
    assert (response.status_code, response.json()["code"]) == (400, "cutoff_not_in_covenant")
    assert ViolationCase.objects.get(pk=case.pk).measures.count() == 1


def test_api_upgrade_changes_retention_class_rt3(client, site, staff) -> None:
    case = make_case(site, staff["assistant"])
    client.force_login(staff["supervisor"])
    response = _post(
        client,
        f"/api/v1/violations/cases/{case.pk}/upgrade",
        {"causes_loss": True, "reason": "造成楼下损失"},
    )
    assert response.status_code == 200
    assert (response.json()["grade"], response.json()["retention_class"]) == ("major", "major_5y")
