"""notification_send_many: the same rows, dedupe and audit as notification_send, for many
messages in a fixed number of queries (the SLA sweep's notifications)."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
import time_machine
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from estatedesk.core.errors import ValidationFailed
from estatedesk.core.models import Event
from estatedesk.notify.enums import Channel, State
from estatedesk.notify.models import Notification, NotificationPreference
from estatedesk.notify.services import Message, notification_send, notification_send_many
from estatedesk.org.enums import Role

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def message(site: Any, **kwargs: Any) -> Message:
    kwargs.setdefault("topic", "sla.breach")
    kwargs.setdefault("title", "已超时：BS2603020001 首次响应")
    kwargs.setdefault("body", "RQ-6 时限 03-02 17:00。")
    return Message(site=site, **kwargs)


@pytest.fixture
def staff(site: Any, make_staff: Any) -> Any:
    return make_staff(site, Role.DISPATCHER)


@pytest.mark.django_db
def test_many_messages_get_the_rows_notification_send_would_give_rq9(
    site: Any, staff: Any, make_staff: Any, resident: Any
) -> None:
    other = make_staff(site, Role.CS_SUPERVISOR)
    NotificationPreference.objects.create(user=other, phone="13800138000", sms_enabled=True)
    with time_machine.travel(T0, tick=False):
        rows = notification_send_many(
            messages=[
                message(site, user=staff, url="/tickets/1/", dedupe_key="clock:1:level:1"),
                message(site, user=other, dedupe_key="clock:1:level:1"),
                message(site, phone=resident.phone, topic="ticket.progress", title="已派工"),
            ]
        )
    assert [(r.channel, r.recipient_key, r.state, r.created_at) for r in rows] == [
        (Channel.INAPP, f"user:{staff.pk}", State.PENDING, T0),
        (Channel.INAPP, f"user:{other.pk}", State.PENDING, T0),
        (Channel.SMS, "phone:13800138000", State.PENDING, T0),
        (Channel.SMS, f"phone:{resident.phone}", State.PENDING, T0),
    ]
    assert all(row.pk is not None for row in rows)
    assert rows[0].url == "/tickets/1/"
    assert Notification.objects.count() == 4
    audit = list(Event.objects.filter(verb="notification.queued").order_by("pk"))
    assert [(e.subject_id, e.actor_label, e.site_id) for e in audit] == [
        (rows[0].pk, "系统", site.pk),
        (rows[1].pk, "系统", site.pk),
        (rows[3].pk, "系统", site.pk),
    ]
    assert audit[1].data == {
        "ids": [rows[1].pk, rows[2].pk],
        "channels": ["inapp", "sms"],
        "topic": "sla.breach",
        "recipient": f"user:{other.pk}",
        "dedupe_key": "clock:1:level:1",
    }


@pytest.mark.django_db
def test_a_key_already_queued_is_not_queued_again(site: Any, staff: Any) -> None:
    notification_send(
        site=site, topic="sla.breach", title="已超时", body="", user=staff, dedupe_key="k"
    )
    again = notification_send_many(messages=[message(site, user=staff, dedupe_key="k")])
    twice = notification_send_many(
        messages=[
            message(site, user=staff, dedupe_key="k2"),
            message(site, user=staff, dedupe_key="k2"),
        ]
    )
    assert again == []
    assert [(r.dedupe_key, r.user_id) for r in twice] == [("k2", staff.pk)]
    assert sorted(Notification.objects.values_list("dedupe_key", flat=True)) == ["k", "k2"]
    assert Event.objects.filter(verb="notification.queued").count() == 2


@pytest.mark.django_db
def test_only_the_newly_wanted_channel_is_queued_under_a_known_key(site: Any, staff: Any) -> None:
    notification_send_many(messages=[message(site, user=staff, dedupe_key="k")])
    NotificationPreference.objects.create(user=staff, phone="13800138000", sms_enabled=True)
    rows = notification_send_many(messages=[message(site, user=staff, dedupe_key="k")])
    assert [r.channel for r in rows] == [Channel.SMS]


@pytest.mark.django_db
def test_without_a_key_equal_messages_are_each_queued(site: Any, staff: Any) -> None:
    rows = notification_send_many(messages=[message(site, user=staff)] * 2)
    assert len(rows) == 2
    assert Event.objects.filter(verb="notification.queued").count() == 2


@pytest.mark.django_db
def test_one_bad_message_queues_nothing(site: Any, staff: Any) -> None:
    with pytest.raises(ValidationFailed) as caught:
        notification_send_many(
            messages=[message(site, user=staff, dedupe_key="k"), message(site, user=None)]
        )
    assert caught.value.detail == "通知没有接收人。"
    assert Notification.objects.count() == 0
    assert Event.objects.count() == 0


@pytest.mark.django_db
def test_inapp_rows_marked_sent_after_commit_in_one_callback(
    site: Any, staff: Any, make_staff: Any, django_capture_on_commit_callbacks: Any
) -> None:
    other = make_staff(site, Role.CS_SUPERVISOR)
    with time_machine.travel(T0, tick=False):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            notification_send_many(
                messages=[message(site, user=staff, dedupe_key="k"), message(site, user=other)]
            )
        assert set(Notification.objects.values_list("state", flat=True)) == {State.PENDING}
        assert len(callbacks) == 1
        callbacks[0]()
    assert list(Notification.objects.values_list("state", "sent_at").distinct()) == [
        (State.SENT, T0)
    ]


@pytest.mark.django_db
def test_rollback_of_caller_discards_the_rows(site: Any, staff: Any) -> None:
    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        notification_send_many(messages=[message(site, user=staff, dedupe_key="k")])
        raise Boom
    assert Notification.objects.count() == 0


@pytest.mark.django_db
def test_queries_do_not_grow_with_messages(site: Any, make_staff: Any) -> None:
    """1 vs 20 recipients, with and without keys: the same number of queries."""
    counts = []
    for n in (1, 20):
        users = [make_staff(site, Role.DISPATCHER) for _n in range(n)]
        messages = [message(site, user=u, dedupe_key=f"batch{n}") for u in users]
        messages += [message(site, user=u) for u in users]
        with CaptureQueriesContext(connection) as ctx:
            rows = notification_send_many(messages=messages)
        assert len(rows) == 2 * n
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_calls_queue_each_key_once_and_claim_only_their_rows(
    site: Any, make_staff: Any
) -> None:
    users = [make_staff(site, Role.DISPATCHER) for _n in range(10)]
    barrier = threading.Barrier(3)
    results: list[list[int]] = []

    def run() -> None:
        try:
            barrier.wait()
            with transaction.atomic():
                rows = notification_send_many(
                    messages=[message(site, user=u, dedupe_key="same") for u in users]
                )
            results.append([row.pk for row in rows])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    claimed = [pk for pks in results for pk in pks]
    assert sorted(claimed) == sorted(Notification.objects.values_list("pk", flat=True))
    assert len(claimed) == len(set(claimed)) == 10
    assert Event.objects.filter(verb="notification.queued").count() == 10
