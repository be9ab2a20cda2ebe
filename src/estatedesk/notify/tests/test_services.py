"""notification_send and friends: channels chosen, dedupe, in-app delivered after commit,
read marking only on one's own rows (RQ-9 residents told; staff told of assignments/clocks)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.db import transaction

from estatedesk.core.errors import NotFound, ValidationFailed
from estatedesk.core.models import Event
from estatedesk.notify.enums import Channel, State
from estatedesk.notify.models import Notification, NotificationPreference
from estatedesk.notify.services import (
    notification_mark_all_read,
    notification_mark_read,
    notification_retry,
    notification_send,
    preference_update,
    retry_delay,
)
from estatedesk.org.enums import Role

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def staff(site: Any, make_staff: Any) -> Any:
    user = make_staff(site, Role.DISPATCHER)
    user.email = "staff@example.test"
    user.save(update_fields=["email"])
    return user


def send(site: Any, **kwargs: Any) -> list[Notification]:
    kwargs.setdefault("topic", "ticket.assigned")
    kwargs.setdefault("title", "工单 BS2603020001 已分派给您")
    kwargs.setdefault("body", "3栋1201 厨房漏水")
    return notification_send(site=site, **kwargs)


@pytest.mark.django_db
def test_staff_gets_inapp_only_without_preferences(site: Any, staff: Any) -> None:
    with time_machine.travel(T0, tick=False):
        rows = send(site, user=staff, url="/tickets/1/")
    assert [(r.channel, r.recipient_key, r.state) for r in rows] == [
        (Channel.INAPP, f"user:{staff.pk}", State.PENDING)
    ]
    row = Notification.objects.get()
    assert row.site == site
    assert row.title == "工单 BS2603020001 已分派给您"
    assert row.url == "/tickets/1/"
    assert row.next_attempt_at == T0
    assert row.created_at == T0


@pytest.mark.django_db
def test_staff_preferences_add_sms_email_and_wecom(
    site: Any, staff: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NOTIFY_WECOM_WEBHOOK", "http://127.0.0.1:9/hook")
    NotificationPreference.objects.create(
        user=staff, phone="13800138000", sms_enabled=True, email_enabled=True, wecom_enabled=True
    )
    rows = send(site, user=staff)
    assert [(r.channel, r.recipient_key, r.phone, r.email) for r in rows] == [
        (Channel.INAPP, f"user:{staff.pk}", "", ""),
        (Channel.SMS, "phone:13800138000", "13800138000", ""),
        (Channel.EMAIL, "email:staff@example.test", "", "staff@example.test"),
        (Channel.WECOM, f"user:{staff.pk}", "13800138000", ""),
    ]


@pytest.mark.django_db
def test_wecom_preference_ignored_while_webhook_unset(site: Any, staff: Any) -> None:
    NotificationPreference.objects.create(user=staff, phone="13800138000", wecom_enabled=True)
    assert [r.channel for r in send(site, user=staff)] == [Channel.INAPP]


@pytest.mark.django_db
def test_resident_progress_goes_by_sms_to_phone_rq9(site: Any, resident: Any) -> None:
    """RQ-9: the resident is told of progress; a bare phone means one SMS."""
    rows = send(site, phone=resident.phone, topic="ticket.progress", title="您的报修已派工")
    assert [(r.channel, r.recipient_key, r.phone, r.user_id) for r in rows] == [
        (Channel.SMS, f"phone:{resident.phone}", resident.phone, None)
    ]


@pytest.mark.django_db
def test_explicit_channels_skip_those_without_address(site: Any, staff: Any) -> None:
    rows = send(site, user=staff, channels=[Channel.INAPP, Channel.SMS, Channel.EMAIL])
    # No phone known for the user: SMS is skipped; the account e-mail serves e-mail.
    assert [r.channel for r in rows] == [Channel.INAPP, Channel.EMAIL]


@pytest.mark.django_db
def test_second_send_with_same_dedupe_key_creates_nothing(site: Any, staff: Any) -> None:
    first = send(site, user=staff, dedupe_key="clock:7:breach:1")
    second = send(site, user=staff, dedupe_key="clock:7:breach:1", title="另一个标题")
    assert len(first) == 1
    assert second == []
    assert Notification.objects.count() == 1
    assert Notification.objects.get().title == "工单 BS2603020001 已分派给您"
    assert Event.objects.filter(verb="notification.queued").count() == 1


@pytest.mark.django_db
def test_dedupe_is_per_channel_and_recipient(site: Any, staff: Any, make_staff: Any) -> None:
    other = make_staff(site, Role.CS_SUPERVISOR)
    send(site, user=staff, dedupe_key="k1")
    assert len(send(site, user=other, dedupe_key="k1")) == 1
    NotificationPreference.objects.create(user=staff, phone="13800138000", sms_enabled=True)
    # The in-app row exists already; only the newly wanted SMS is queued.
    assert [r.channel for r in send(site, user=staff, dedupe_key="k1")] == [Channel.SMS]
    # Without a key, every call queues.
    assert len(send(site, user=staff)) == 2


@pytest.mark.django_db
def test_duplicate_keeps_callers_transaction_usable(site: Any, staff: Any) -> None:
    with transaction.atomic():
        send(site, user=staff, dedupe_key="k")
        assert send(site, user=staff, dedupe_key="k") == []
        send(site, user=staff, dedupe_key="k2")
    assert sorted(Notification.objects.values_list("dedupe_key", flat=True)) == ["k", "k2"]


@pytest.mark.django_db
def test_rollback_of_caller_discards_notifications(site: Any, staff: Any) -> None:
    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        send(site, user=staff)
        raise Boom
    assert Notification.objects.count() == 0


@pytest.mark.django_db
def test_inapp_marked_sent_after_commit(
    site: Any, staff: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with time_machine.travel(T0, tick=False):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            send(site, user=staff)
        row = Notification.objects.get()
        assert row.state == State.PENDING
        assert len(callbacks) == 1
        callbacks[0]()
    row.refresh_from_db()
    assert (row.state, row.sent_at, row.attempts, row.next_attempt_at) == (
        State.SENT,
        T0,
        1,
        None,
    )


@pytest.mark.django_db
def test_outside_channels_wait_for_deliver_after_commit(
    site: Any, resident: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        send(site, phone=resident.phone)
    assert callbacks == []
    assert Notification.objects.get().state == State.PENDING


@pytest.mark.django_db
def test_send_writes_audit_event(site: Any, staff: Any, make_staff: Any) -> None:
    actor = make_staff(site, Role.CS_SUPERVISOR)
    rows = send(site, user=staff, dedupe_key="d", actor=actor)
    event = Event.objects.get(verb="notification.queued")
    assert event.site_id == site.pk
    assert event.actor == actor
    assert event.subject_type == "notify.notification"
    assert event.subject_id == rows[0].pk
    assert event.data == {
        "ids": [rows[0].pk],
        "channels": ["inapp"],
        "topic": "ticket.assigned",
        "recipient": f"user:{staff.pk}",
        "dedupe_key": "d",
    }


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"title": "  "}, "通知标题不能为空。"),
        ({"topic": ""}, "通知类别不能为空。"),
        ({"user": None}, "通知没有接收人。"),
        ({"channels": ["fax"]}, "未知的通知渠道：fax"),
    ],
)
@pytest.mark.django_db
def test_send_refuses_bad_input_and_queues_nothing(
    site: Any, staff: Any, kwargs: dict[str, Any], message: str
) -> None:
    arguments = {"user": staff, **kwargs}
    with pytest.raises(ValidationFailed) as caught:
        send(site, **arguments)
    assert caught.value.detail == message
    assert Notification.objects.count() == 0
    assert Event.objects.count() == 0


@pytest.mark.django_db
def test_long_title_is_cut_to_fit(site: Any, staff: Any) -> None:
    row = send(site, user=staff, title="长" * 300)[0]
    assert row.title == "长" * 199 + "…"


@pytest.mark.django_db
def test_mark_read_sets_read_at_once(site: Any, staff: Any) -> None:
    row = send(site, user=staff)[0]
    with time_machine.travel(T0, tick=False):
        first = notification_mark_read(notification_id=row.pk, user=staff)
    with time_machine.travel(T0 + dt.timedelta(hours=1), tick=False):
        again = notification_mark_read(notification_id=row.pk, user=staff)
    assert first.read_at == T0
    assert again.read_at == T0
    assert Event.objects.filter(verb="notification.read").count() == 1


@pytest.mark.django_db
def test_user_cannot_mark_anothers_notification(site: Any, staff: Any, make_staff: Any) -> None:
    row = send(site, user=staff)[0]
    intruder = make_staff(site, Role.DISPATCHER)
    with pytest.raises(NotFound):
        notification_mark_read(notification_id=row.pk, user=intruder)
    row.refresh_from_db()
    assert row.read_at is None
    assert not Event.objects.filter(verb="notification.read").exists()


@pytest.mark.django_db
def test_mark_all_read_touches_only_own_unread(site: Any, staff: Any, make_staff: Any) -> None:
    other = make_staff(site, Role.DISPATCHER)
    for _ in range(3):
        send(site, user=staff)
    send(site, user=other)
    assert notification_mark_all_read(user=staff) == 3
    assert notification_mark_all_read(user=staff) == 0
    assert Notification.objects.filter(user=other, read_at__isnull=True).count() == 1
    assert Event.objects.get(verb="notification.read_all").data["count"] == 3


@pytest.mark.django_db
def test_retry_requeues_dead_row_and_refuses_sent(site: Any, resident: Any, staff: Any) -> None:
    row = send(site, phone=resident.phone)[0]
    Notification.objects.filter(pk=row.pk).update(state=State.DEAD, attempts=8, last_error="x")
    with time_machine.travel(T0, tick=False):
        notification_retry(notification_id=row.pk, actor=staff)
    row.refresh_from_db()
    assert (row.state, row.attempts, row.next_attempt_at, row.last_error) == (
        State.PENDING,
        8,
        T0,
        "x",
    )
    Notification.objects.filter(pk=row.pk).update(state=State.SENT)
    with pytest.raises(ValidationFailed):
        notification_retry(notification_id=row.pk, actor=staff)
    assert Notification.objects.get(pk=row.pk).state == State.SENT


def test_retry_delay_doubles_from_one_minute_to_an_hour() -> None:
    minutes = [retry_delay(n).total_seconds() / 60 for n in range(1, 10)]
    assert minutes == [1, 2, 4, 8, 16, 32, 60, 60, 60]


@pytest.mark.django_db
def test_preference_update_validates_and_saves(site: Any, staff: Any) -> None:
    with pytest.raises(ValidationFailed):
        preference_update(
            user=staff,
            phone="",
            email="",
            sms_enabled=True,
            email_enabled=False,
            wecom_enabled=False,
            actor=staff,
        )
    assert not NotificationPreference.objects.exists()
    pref = preference_update(
        user=staff,
        phone=" 13800138000 ",
        email="",
        sms_enabled=True,
        email_enabled=True,
        wecom_enabled=False,
        actor=staff,
    )
    assert (pref.phone, pref.email, pref.sms_enabled, pref.email_enabled) == (
        "13800138000",
        "",
        True,
        True,
    )
    assert Event.objects.get(verb="notification.preference").after["sms_enabled"] is True


@pytest.mark.django_db
def test_demo_seed_is_idempotent(site: Any, staff: Any) -> None:
    from estatedesk.notify.demo import seed

    assert seed(site=site) == ["欢迎通知 1 条"]
    assert seed(site=site) == []
    assert Notification.objects.get().user == staff
