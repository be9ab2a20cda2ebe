"""Duty API: log list/add/correct/close, roster, on-duty, on-call, handover status (DT-8 ...)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from estatedesk.duty.enums import LogEntryKind
from estatedesk.duty.models import DutyLogEntry
from estatedesk.duty.services import handover_start, log_entry_append
from estatedesk.duty.tests.factories import at, post_items, roster_with
from estatedesk.org.enums import Role
from estatedesk.org.services import api_token_create

pytestmark = pytest.mark.django_db

NIGHT = at(2026, 11, 18, 20, 0)


@pytest.fixture
def auth(officer):
    _token, raw = api_token_create(user=officer, name="测试", actor=officer)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_add_correct_close_and_list_entries_dt8(client, site, officer, auth):
    with time_machine.travel(NIGHT, tick=False):
        added = client.post(
            "/api/v1/duty/log",
            {"site": site.pk, "kind": "call", "text": "电梯困人", "follow_up": True},
            content_type="application/json",
            **auth,
        )
        assert added.status_code == 201
        body = added.json()
        assert (body["seq"], body["kind"], body["follow_up"], body["corrects_seq"]) == (
            1,
            "call",
            True,
            None,
        )
        corrected = client.post(
            f"/api/v1/duty/log/{body['id']}/correct",
            {"text": "3栋电梯困人", "reason": "补充楼栋"},
            content_type="application/json",
            **auth,
        )
        assert corrected.status_code == 201
        assert (corrected.json()["seq"], corrected.json()["corrects_seq"]) == (2, 1)
        closed = client.post(
            f"/api/v1/duty/log/{corrected.json()['id']}/close",
            {"text": "已救出"},
            content_type="application/json",
            **auth,
        )
        assert closed.json()["closes_seq"] == 2
        listing = client.get(f"/api/v1/duty/log?site={site.pk}", **auth).json()
    assert listing["count"] == 3 and listing["day"] == "2026-11-18"
    assert [(i["seq"], i["corrected_by_seq"], i["closed_by_seq"]) for i in listing["items"]] == [
        (1, 2, None),
        (2, None, 3),
        (3, None, None),
    ]


def test_refused_entry_is_a_json_error_and_writes_nothing_dt8(client, site, officer, auth):
    response = client.post(
        "/api/v1/duty/log",
        {"site": site.pk, "kind": "handover", "text": "x"},
        content_type="application/json",
        **auth,
    )
    assert response.status_code == 400
    assert response.json() == {"code": "invalid", "detail": "请选择记录类别。"}
    assert not DutyLogEntry.objects.exists()


def test_other_sites_log_is_not_found(client, site, other_site, make_staff):
    stranger = make_staff(other_site, Role.DISPATCHER)
    _token, raw = api_token_create(user=stranger, name="x", actor=stranger)
    response = client.get(f"/api/v1/duty/log?site={site.pk}", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_log_list_query_count_does_not_grow(client, site, officer):
    client.force_login(officer)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/api/v1/duty/log?site={site.pk}").status_code == 200
        return len(ctx)

    with time_machine.travel(NIGHT, tick=False):
        log_entry_append(site=site, kind=LogEntryKind.CALL, text="1", actor=officer)
        one = count()
        for i in range(19):
            log_entry_append(site=site, kind=LogEntryKind.CALL, text=str(i), actor=officer)
        twenty = count()
    assert one == twenty


def test_roster_and_on_duty_now(client, site, officer, auth):
    roster_with(site, {dt.date(2026, 11, 18): officer})
    with time_machine.travel(NIGHT, tick=False):
        roster = client.get(f"/api/v1/duty/roster?site={site.pk}&month=2026-11", **auth).json()
        on_duty = client.get(f"/api/v1/duty/on-duty?site={site.pk}", **auth).json()
    day = roster["days"][17]
    assert (roster["state"], day["day"], day["people"][0]["username"]) == (
        "published",
        "2026-11-18",
        "li",
    )
    assert dt.datetime.fromisoformat(day["starts_at"]) == at(2026, 11, 18, 17, 30)
    assert [p["username"] for p in on_duty["people"]] == ["li"]
    assert dt.datetime.fromisoformat(on_duty["shift"]["end"]) == at(2026, 11, 19, 8, 30)


def test_on_call_api_and_unknown_role(client, site, officer, manager, auth):
    listed = client.get(f"/api/v1/duty/on-call?site={site.pk}&role=manager", **auth).json()
    assert [(c["person"]["username"], c["source"]) for c in listed] == [("liu", "membership")]
    bad = client.get(f"/api/v1/duty/on-call?site={site.pk}&role=nobody", **auth)
    assert bad.status_code == 400


def test_handover_status(client, site, officer, officer2):
    roster_with(site, {dt.date(2026, 11, 17): officer, dt.date(2026, 11, 18): officer2})
    post_items(site)
    _token, raw = api_token_create(user=officer2, name="x", actor=officer2)
    with time_machine.travel(at(2026, 11, 18, 17, 25), tick=False):
        handover_start(site=site, actor=officer2)
        status = client.get(
            f"/api/v1/duty/handover/status?site={site.pk}", HTTP_AUTHORIZATION=f"Bearer {raw}"
        ).json()
    assert status["last_completed"] is None
    assert (
        status["open"]["state"],
        status["open"]["ready"],
        status["open"]["outgoing"]["username"],
    ) == (
        "open",
        False,
        "li",
    )
