"""Staff pages: inbox (unread first, paginated, empty state), bell, mark read, preferences."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from estatedesk.core.models import Event
from estatedesk.notify.context_processors import inbox as inbox_context
from estatedesk.notify.models import Notification, NotificationPreference
from estatedesk.notify.services import notification_send
from estatedesk.org.enums import Role
from estatedesk.web.navigation import items_for

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def staff(site: Any, make_staff: Any) -> Any:
    return make_staff(site, Role.DISPATCHER)


@pytest.fixture
def staff_client(client: Any, staff: Any) -> Any:
    client.force_login(staff)
    return client


def notify(
    site: Any, user: Any, title: str = "工单已分派", url: str = "/tickets/1/"
) -> Notification:
    return notification_send(
        site=site, topic="ticket.assigned", title=title, body="", url=url, user=user
    )[0]


@pytest.mark.django_db
def test_inbox_needs_login(client: Any) -> None:
    response = client.get("/notify/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.django_db
def test_inbox_refuses_user_without_staff_role(client: Any, django_user_model: Any) -> None:
    client.force_login(django_user_model.objects.create_user("nobody"))
    assert client.get("/notify/").status_code == 403


@pytest.mark.django_db
def test_inbox_shows_unread_first_then_newest(site: Any, staff: Any, staff_client: Any) -> None:
    with time_machine.travel(T0, tick=False) as traveller:
        old_unread = notify(site, staff, "旧的未读")
        traveller.shift(60)
        read = notify(site, staff, "新的已读")
        Notification.objects.filter(pk=read.pk).update(read_at=T0)
        traveller.shift(60)
        new_unread = notify(site, staff, "新的未读")
    response = staff_client.get("/notify/")
    assert response.status_code == 200
    assert [n.pk for n in response.context["page_obj"]] == [new_unread.pk, old_unread.pk, read.pk]
    assert response.context["unread_total"] == 2
    body = response.content.decode()
    assert "2 条未读" in body
    assert "全部标为已读" in body


@pytest.mark.django_db
def test_inbox_shows_only_own_notifications(
    site: Any, staff: Any, staff_client: Any, make_staff: Any
) -> None:
    other = make_staff(site, Role.DISPATCHER)
    notify(site, other, "别人的通知")
    response = staff_client.get("/notify/")
    assert list(response.context["page_obj"]) == []
    assert "别人的通知" not in response.content.decode()


@pytest.mark.django_db
def test_inbox_empty_state_says_what_to_do(staff_client: Any) -> None:
    body = staff_client.get("/notify/").content.decode()
    assert "暂无通知" in body
    assert 'href="/notify/settings/"' in body
    assert "全部标为已读" not in body


@pytest.mark.django_db
def test_inbox_paginates_by_twenty(site: Any, staff: Any, staff_client: Any) -> None:
    for n in range(25):
        notify(site, staff, f"通知{n}")
    first = staff_client.get("/notify/")
    second = staff_client.get("/notify/?page=2")
    assert len(first.context["page_obj"]) == 20
    assert len(second.context["page_obj"]) == 5
    assert "第 2 / 2 页" in second.content.decode()
    assert len(staff_client.get("/notify/?page=abc").context["page_obj"]) == 20


@pytest.mark.django_db
def test_inbox_unread_filter(site: Any, staff: Any, staff_client: Any) -> None:
    unread = notify(site, staff, "未读的")
    read = notify(site, staff, "已读的")
    Notification.objects.filter(pk=read.pk).update(read_at=T0)
    response = staff_client.get("/notify/?unread=1")
    assert [n.pk for n in response.context["page_obj"]] == [unread.pk]


@pytest.mark.django_db
def test_inbox_query_count_same_for_1_and_20_rows(site: Any, staff: Any, staff_client: Any) -> None:
    notify(site, staff)
    staff_client.get("/notify/")  # warm the session
    with CaptureQueriesContext(connection) as one:
        assert staff_client.get("/notify/").status_code == 200
    for n in range(19):
        notify(site, staff, f"通知{n}")
    with CaptureQueriesContext(connection) as twenty:
        response = staff_client.get("/notify/")
    assert len(response.context["page_obj"]) == 20
    assert len(twenty) == len(one)


@pytest.mark.django_db
def test_mark_read_redirects_back_without_htmx(site: Any, staff: Any, staff_client: Any) -> None:
    row = notify(site, staff)
    response = staff_client.post(f"/notify/{row.pk}/read/", {"page": "2"})
    assert response.status_code == 302
    assert response["Location"] == "/notify/?page=2"
    row.refresh_from_db()
    assert row.read_at is not None


@pytest.mark.django_db
def test_mark_read_with_htmx_returns_row_and_refreshes_bell(
    site: Any, staff: Any, staff_client: Any
) -> None:
    row = notify(site, staff, "请处理漏水")
    response = staff_client.post(f"/notify/{row.pk}/read/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["HX-Trigger"] == "notify-changed"
    body = response.content.decode()
    assert f'id="notification-{row.pk}"' in body
    assert "请处理漏水" in body
    assert "/read/" not in body  # no more "mark read" button


@pytest.mark.django_db
def test_mark_read_needs_post(site: Any, staff: Any, staff_client: Any) -> None:
    row = notify(site, staff)
    assert staff_client.get(f"/notify/{row.pk}/read/").status_code == 405
    row.refresh_from_db()
    assert row.read_at is None


@pytest.mark.django_db
def test_user_cannot_read_or_mark_anothers_notification(
    site: Any, staff: Any, staff_client: Any, make_staff: Any
) -> None:
    other = make_staff(site, Role.DISPATCHER)
    row = notify(site, other)
    assert staff_client.post(f"/notify/{row.pk}/read/").status_code == 404
    assert staff_client.get(f"/notify/{row.pk}/open/").status_code == 404
    row.refresh_from_db()
    assert row.read_at is None
    assert not Event.objects.filter(verb="notification.read").exists()


@pytest.mark.django_db
def test_open_marks_read_and_follows_local_link(site: Any, staff: Any, staff_client: Any) -> None:
    row = notify(site, staff, url="/tickets/42/")
    response = staff_client.get(f"/notify/{row.pk}/open/")
    assert response.status_code == 302
    assert response["Location"] == "/tickets/42/"
    row.refresh_from_db()
    assert row.read_at is not None


@pytest.mark.django_db
def test_open_never_redirects_off_site(site: Any, staff: Any, staff_client: Any) -> None:
    row = notify(site, staff, url="https://evil.example/phish")
    response = staff_client.get(f"/notify/{row.pk}/open/")
    assert response["Location"] == "/notify/"


@pytest.mark.django_db
def test_mark_all_read(site: Any, staff: Any, staff_client: Any, make_staff: Any) -> None:
    other = make_staff(site, Role.DISPATCHER)
    notify(site, staff)
    notify(site, staff)
    notify(site, other)
    response = staff_client.post("/notify/read-all/", follow=True)
    assert "已将 2 条通知标为已读。" in response.content.decode()
    assert Notification.objects.filter(user=staff, read_at__isnull=True).count() == 0
    assert Notification.objects.filter(user=other, read_at__isnull=True).count() == 1


@pytest.mark.django_db
def test_bell_partial_shows_unread_badge(site: Any, staff: Any, staff_client: Any) -> None:
    body = staff_client.get("/notify/bell/").content.decode()
    assert 'id="notify-bell"' in body
    assert "badge" not in body
    for _ in range(3):
        notify(site, staff)
    body = staff_client.get("/notify/bell/", HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-get="/notify/bell/"' in body
    assert (
        '<span class="position-absolute top-0 start-100 translate-middle badge rounded-pill bg-danger">3</span>'
        in body
    )


@pytest.mark.django_db
def test_bell_caps_badge_at_99(site: Any, staff: Any, staff_client: Any) -> None:
    Notification.objects.bulk_create(
        Notification(
            site=site,
            channel="inapp",
            user=staff,
            recipient_key=f"user:{staff.pk}",
            topic="t",
            title=f"n{n}",
            state="sent",
            created_at=T0,
        )
        for n in range(120)
    )
    assert ">99+</span>" in staff_client.get("/notify/bell/").content.decode()


@pytest.mark.django_db
def test_context_processor_gives_inbox_link_and_unread(site: Any, staff: Any) -> None:
    notify(site, staff)
    request = RequestFactory().get("/tickets/")
    request.user = staff
    assert inbox_context(request) == {"notify_inbox_url": "/notify/", "notify_unread": 1}
    portal = RequestFactory().get("/r/")
    portal.user = staff
    assert inbox_context(portal) == {}


@pytest.mark.django_db
def test_context_processor_empty_for_anonymous_and_non_staff(django_user_model: Any) -> None:
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    assert inbox_context(request) == {}
    request.user = django_user_model.objects.create_user("resident-user")
    assert inbox_context(request) == {}


@pytest.mark.parametrize("role", [Role.CS_ASSISTANT, Role.DEPT_STAFF, Role.GM, Role.FINANCE])
@pytest.mark.django_db
def test_nav_has_notifications_for_every_staff_role(site: Any, make_staff: Any, role: str) -> None:
    user = make_staff(site, role)
    assert {"label": "通知", "url": "/notify/", "icon": "bell"} in [
        {**item, "label": str(item["label"])} for item in items_for(user)
    ]


@pytest.mark.django_db
def test_preferences_page_saves_channels(staff: Any, staff_client: Any) -> None:
    page = staff_client.get("/notify/settings/")
    assert page.status_code == 200
    assert "系统尚未配置企业微信群机器人" in page.content.decode()
    response = staff_client.post(
        "/notify/settings/",
        {"phone": "13800138000", "email": "me@example.test", "sms_enabled": "on"},
        follow=True,
    )
    assert "通知设置已保存。" in response.content.decode()
    pref = NotificationPreference.objects.get(user=staff)
    assert (pref.phone, pref.email, pref.sms_enabled, pref.email_enabled, pref.wecom_enabled) == (
        "13800138000",
        "me@example.test",
        True,
        False,
        False,
    )


@pytest.mark.django_db
def test_preferences_refuse_sms_without_phone_and_keep_input(staff: Any, staff_client: Any) -> None:
    response = staff_client.post(
        "/notify/settings/", {"phone": "", "email": "me@example.test", "sms_enabled": "on"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "开启短信通知需要填写手机号。" in body
    assert 'value="me@example.test"' in body
    assert not NotificationPreference.objects.exists()


@pytest.mark.django_db
def test_preferences_refuse_bad_phone(staff: Any, staff_client: Any) -> None:
    response = staff_client.post("/notify/settings/", {"phone": "abc"})
    assert "请输入有效的电话号码。" in response.content.decode()
    assert not NotificationPreference.objects.exists()
