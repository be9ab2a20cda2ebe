"""Complaints API: create (CP-1, CP-4; idempotent), get, sign (CP-6), extension request and
approval (CP-7), handling (CP-8), return visit (CP-9), CAPA (CP-10); another site's complaint
is 404; the list keeps a constant number of queries."""

from __future__ import annotations

import json
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from estatedesk.complaints.models import Complaint, ComplaintSettings
from estatedesk.complaints.tests.conftest import local
from estatedesk.org.enums import Role

pytestmark = pytest.mark.django_db

URL = "/api/v1/complaints/"


def post(client: Any, url: str, data: dict[str, Any], **headers: Any) -> Any:
    return client.post(url, json.dumps(data), content_type="application/json", **headers)


def body(site: Any, engineering: Any, **overrides: Any) -> dict[str, Any]:
    data = {
        "site_id": site.pk,
        "description": "保安态度恶劣",
        "reporter_name": "王女士",
        "reporter_phone": "13812345678",
        "validity": "valid",
        "scope": "property",
        "severity": "important",
        "department_id": engineering.pk,
        "demand": "要求道歉",
        "apology": "非常抱歉。",
    }
    data.update(overrides)
    return data


def test_create_get_and_the_cycle_over_the_api_cp4_cp6_cp8_cp9(
    client: Any,
    site: Any,
    engineering: Any,
    assistant: Any,
    plumber: Any,
    supervisor: Any,
    manager: Any,
    eng_head: Any,
    quality: Any,
) -> None:
    client.force_login(assistant)
    with time_machine.travel(local(2026, 11, 18, 10, 0), tick=False):
        created = post(client, URL, body(site, engineering), HTTP_IDEMPOTENCY_KEY="k-1")
        again = post(client, URL, body(site, engineering), HTTP_IDEMPOTENCY_KEY="k-1")
    assert created.status_code == 201
    assert again.json() == created.json()
    assert Complaint.objects.count() == 1
    data = created.json()
    assert (data["severity"], data["stage"], data["ticket_state"]) == (
        "important",
        "form_sent",
        "dispatched",
    )
    assert {c["kind"] for c in data["clocks"]} == {
        "complaint_form_sign",
        "complaint_report_area",
        "complaint_handling_important",
    }
    pk = data["id"]
    client.force_login(plumber)
    with time_machine.travel(local(2026, 11, 18, 10, 5), tick=False):
        signed = post(client, f"{URL}{pk}/sign", {})
    assert (signed.status_code, signed.json()["stage"]) == (200, "signed")
    assert signed.json()["reporter_phone"] == "138****5678"
    with time_machine.travel(local(2026, 11, 19, 10, 0), tick=False):
        extension = post(
            client,
            f"{URL}{pk}/extensions",
            {"until": "2026-11-30T17:00:00+08:00", "reason": "等配件"},
        )
    assert extension.status_code == 201
    ext_id = extension.json()["id"]
    client.force_login(supervisor)
    refused = post(client, f"{URL}extensions/{ext_id}/decide", {"approve": True})
    assert refused.status_code == 403
    assert refused.json()["code"] == "forbidden"
    client.force_login(manager)
    with time_machine.travel(local(2026, 11, 19, 11, 0), tick=False):
        approved = post(client, f"{URL}extensions/{ext_id}/decide", {"approve": True})
    assert approved.json()["state"] == "approved"
    client.force_login(plumber)
    handled = post(client, f"{URL}{pk}/handling", {"handling": "已当面道歉并批评教育"})
    assert handled.json()["stage"] == "handled"
    client.force_login(assistant)
    post(client, f"{URL}{pk}/form-return", {})
    told = post(client, f"{URL}{pk}/tell", {"via": "phone", "note": "住户接受"})
    assert told.json()["stage"] == "told"
    visited = post(
        client,
        f"{URL}{pk}/return-visit",
        {"via": "phone", "result": "满意", "satisfaction": "satisfied"},
    )
    assert visited.json()["stage"] == "visited"
    client.force_login(supervisor)
    capa = post(
        client,
        f"{URL}{pk}/capa",
        {
            "nonconformity": "服务态度差",
            "cause": "培训不足",
            "correction": "道歉",
            "prevention": "礼仪培训",
            "owner_id": eng_head.pk,
            "due_date": "2099-12-31",
        },
    )
    assert capa.status_code == 201
    capa_id = capa.json()["id"]
    client.force_login(eng_head)
    post(client, f"{URL}capa/{capa_id}/implement", {"text": "已培训"})
    refused = post(client, f"{URL}capa/{capa_id}/verify", {"verification": "好", "accept": True})
    assert refused.status_code == 403
    client.force_login(quality)
    closed = post(client, f"{URL}capa/{capa_id}/verify", {"verification": "有效", "accept": True})
    assert closed.json()["state"] == "closed"
    got = client.get(f"{URL}{pk}").json()
    assert got["actions"] == []  # quality has no step in the cycle


def test_errors_are_json_with_code_and_detail(
    client: Any, site: Any, engineering: Any, assistant: Any
) -> None:
    client.force_login(assistant)
    response = post(client, URL, body(site, engineering, scope="non_property"))
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert not Complaint.objects.exists()


def test_another_sites_complaint_is_404_over_the_api(
    client: Any, make_complaint: Any, other_site: Any, make_staff: Any
) -> None:
    complaint = make_complaint()
    client.force_login(make_staff(other_site, Role.SITE_MANAGER, "engineering"))
    assert client.get(f"{URL}{complaint.pk}").status_code == 404
    assert post(client, f"{URL}{complaint.pk}/sign", {}).status_code == 404
    assert client.get(URL).json()["count"] == 0


def _queries(client: Any, count: int) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(URL)
    assert len(response.json()["items"]) == count
    return len(ctx.captured_queries)


def test_list_query_count_is_the_same_for_1_and_20_complaints(
    client: Any, site: Any, make_complaint: Any, assistant: Any
) -> None:
    ComplaintSettings.objects.create(site=site, repeat_count=100)
    make_complaint()
    client.force_login(assistant)
    one = _queries(client, 1)
    for n in range(19):
        make_complaint(description=f"事项 {n}")
    assert _queries(client, 20) == one
