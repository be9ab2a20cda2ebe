"""Notifications API: my inbox paginated, unread count, mark read, nobody else's."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from estatedesk.notify.models import Notification
from estatedesk.notify.services import notification_send
from estatedesk.org.enums import Role

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def staff(site: Any, make_staff: Any) -> Any:
    return make_staff(site, Role.DEPT_STAFF, department_kind="engineering")


@pytest.fixture
def api(client: Any, staff: Any) -> Any:
    client.force_login(staff)
    return client


def notify(site: Any, user: Any, title: str = "工单已分派") -> Notification:
    return notification_send(
        site=site, topic="ticket.assigned", title=title, body="3栋1201", url="/t/1/", user=user
    )[0]


@pytest.mark.django_db
def test_list_returns_my_notifications_paginated(
    site: Any, staff: Any, api: Any, make_staff: Any
) -> None:
    other = make_staff(site, Role.DISPATCHER)
    with time_machine.travel(T0, tick=False):
        rows = [notify(site, staff, f"通知{n}") for n in range(22)]
    notify(site, other, "别人的")
    first = api.get("/api/v1/notify/")
    assert first.status_code == 200
    data = first.json()
    assert data["count"] == 22
    assert len(data["items"]) == 20
    newest = rows[-1]
    assert data["items"][0] == {
        "id": newest.pk,
        "site_id": site.pk,
        "topic": "ticket.assigned",
        "title": "通知21",
        "body": "3栋1201",
        "url": "/t/1/",
        "created_at": "2026-03-02T09:00:00Z",
        "read_at": None,
    }
    second = api.get("/api/v1/notify/?page=2").json()
    assert [item["title"] for item in second["items"]] == ["通知1", "通知0"]


@pytest.mark.django_db
def test_list_unread_filter_and_count(site: Any, staff: Any, api: Any) -> None:
    read = notify(site, staff, "已读")
    notify(site, staff, "未读")
    api.post(f"/api/v1/notify/{read.pk}/read")
    assert [i["title"] for i in api.get("/api/v1/notify/?unread=true").json()["items"]] == ["未读"]
    assert api.get("/api/v1/notify/unread-count").json() == {"unread": 1}


@pytest.mark.django_db
def test_list_query_count_same_for_1_and_20_rows(site: Any, staff: Any, api: Any) -> None:
    notify(site, staff)
    api.get("/api/v1/notify/")
    with CaptureQueriesContext(connection) as one:
        api.get("/api/v1/notify/")
    for n in range(19):
        notify(site, staff, f"通知{n}")
    with CaptureQueriesContext(connection) as twenty:
        response = api.get("/api/v1/notify/")
    assert len(response.json()["items"]) == 20
    assert len(twenty) == len(one)


@pytest.mark.django_db
def test_mark_read_returns_the_notification(site: Any, staff: Any, api: Any) -> None:
    row = notify(site, staff)
    with time_machine.travel(T0, tick=False):
        response = api.post(f"/api/v1/notify/{row.pk}/read")
    assert response.status_code == 200
    assert response.json()["read_at"] == "2026-03-02T09:00:00Z"
    row.refresh_from_db()
    assert row.read_at == T0


@pytest.mark.django_db
def test_mark_read_of_anothers_notification_is_404(site: Any, api: Any, make_staff: Any) -> None:
    other = make_staff(site, Role.DISPATCHER)
    row = notify(site, other)
    response = api.post(f"/api/v1/notify/{row.pk}/read")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "未找到，或您无权查看。"}
    row.refresh_from_db()
    assert row.read_at is None


@pytest.mark.django_db
def test_read_all(site: Any, staff: Any, api: Any) -> None:
    notify(site, staff)
    notify(site, staff)
    assert api.post("/api/v1/notify/read-all").json() == {"marked": 2}
    assert api.get("/api/v1/notify/unread-count").json() == {"unread": 0}


@pytest.mark.django_db
def test_api_needs_authentication_and_a_staff_role(client: Any, django_user_model: Any) -> None:
    assert client.get("/api/v1/notify/").status_code == 401
    client.force_login(django_user_model.objects.create_user("nobody"))
    response = client.get("/api/v1/notify/")
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
