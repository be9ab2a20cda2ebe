"""jobs.deliver: claims due rows once, retries with backoff, gives up visibly, never loses."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import threading
from typing import Any

import pytest
import time_machine
from django.db import connection

from estatedesk.core import clock
from estatedesk.core.models import Event
from estatedesk.notify import jobs
from estatedesk.notify.enums import Channel, State
from estatedesk.notify.models import Notification
from estatedesk.notify.services import notification_send
from estatedesk.org.enums import Role

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)


def queue_email(site: Any, address: str = "owner@example.test", **kwargs: Any) -> Notification:
    return notification_send(
        site=site,
        topic="ticket.progress",
        title="您的报修已完成",
        body="3栋1201 厨房漏水已修复。",
        url="/r/tickets/1/",
        email=address,
        **kwargs,
    )[0]


def test_deliver_is_periodic_every_ten_seconds() -> None:
    assert [(jobs.deliver, 10)] == jobs.PERIODIC


@pytest.mark.django_db
def test_deliver_sends_due_rows_once(site: Any, resident: Any, make_staff: Any) -> None:
    staff = make_staff(site, Role.DISPATCHER)
    with time_machine.travel(T0, tick=False):
        sms = notification_send(
            site=site, topic="t", title="进度", body="已派工", phone=resident.phone
        )
        inapp = notification_send(site=site, topic="t", title="分派", body="", user=staff)
        assert jobs.deliver(now=clock.now()) == 2
        assert jobs.deliver(now=clock.now()) == 0
    for row in (sms[0], inapp[0]):
        row.refresh_from_db()
        assert (row.state, row.attempts, row.sent_at, row.next_attempt_at) == (
            State.SENT,
            1,
            T0,
            None,
        )
    # Outside deliveries are on the audit trail (RQ-9 proof that the resident was told).
    sent = Event.objects.get(verb="notification.sent")
    assert (sent.subject_id, sent.data["channel"]) == (sms[0].pk, Channel.SMS)


@pytest.mark.django_db
def test_rows_not_yet_due_wait(site: Any, resident: Any) -> None:
    with time_machine.travel(T0, tick=False):
        notification_send(site=site, topic="t", title="进度", body="", phone=resident.phone)
    assert jobs.deliver(now=T0 - dt.timedelta(seconds=1)) == 0
    assert Notification.objects.get().state == State.PENDING


@pytest.mark.django_db
def test_deliver_takes_at_most_one_batch(site: Any, resident: Any) -> None:
    for n in range(5):
        notification_send(site=site, topic="t", title=f"进度{n}", body="", phone=resident.phone)
    assert jobs.deliver(now=clock.now(), batch=3) == 3
    assert jobs.deliver(now=clock.now(), batch=3) == 2
    assert set(Notification.objects.values_list("state", flat=True)) == {State.SENT}


@pytest.mark.django_db
def test_smtp_down_then_up_retries_with_backoff(site: Any, smtp: Any) -> None:
    with time_machine.travel(T0, tick=False) as traveller:
        row = queue_email(site)
        # The server is down: the attempt fails and is scheduled one minute later.
        assert jobs.deliver(now=clock.now()) == 1
        row.refresh_from_db()
        assert (row.state, row.attempts, row.next_attempt_at) == (State.FAILED, 1, T0 + MINUTE)
        assert "ConnectionRefusedError" in row.last_error
        # Before the retry time nothing happens, even with the server up.
        smtp.start()
        traveller.move_to(T0 + dt.timedelta(seconds=59))
        assert jobs.deliver(now=clock.now()) == 0
        traveller.move_to(T0 + MINUTE)
        assert jobs.deliver(now=clock.now()) == 1
    row.refresh_from_db()
    assert (row.state, row.attempts, row.sent_at, row.last_error) == (
        State.SENT,
        2,
        T0 + MINUTE,
        "",
    )
    [envelope] = smtp.inbox.envelopes
    assert envelope.rcpt_tos == ["owner@example.test"]
    assert envelope.mail_from == "desk@example.test"
    message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
    assert message["Subject"] == "您的报修已完成"
    assert message["To"] == "owner@example.test"
    assert message.get_content().splitlines() == [
        "您的报修已完成",
        "3栋1201 厨房漏水已修复。",
        "http://127.0.0.1:8000/r/tickets/1/",
    ]


@pytest.mark.django_db
def test_dead_after_max_attempts_visible_in_admin(site: Any, smtp: Any, admin_client: Any) -> None:
    """Backoff 1, 2, 4, 8, 16, 32, 60 minutes, then the 8th failure makes the row dead."""
    with time_machine.travel(T0, tick=False) as traveller:
        row = queue_email(site)
        delays = []
        for _attempt in range(8):
            assert jobs.deliver(now=clock.now()) == 1
            row.refresh_from_db()
            if row.next_attempt_at is not None:
                delays.append((row.next_attempt_at - clock.now()) / MINUTE)
                traveller.move_to(row.next_attempt_at)
        assert delays == [1, 2, 4, 8, 16, 32, 60]
        assert (row.state, row.attempts, row.next_attempt_at) == (State.DEAD, 8, None)
        assert "ConnectionRefusedError" in row.last_error
        assert jobs.deliver(now=clock.now() + dt.timedelta(days=1)) == 0
    assert Event.objects.get(verb="notification.dead").subject_id == row.pk

    page = admin_client.get("/admin/notify/notification/?state__exact=dead")
    assert page.status_code == 200
    assert page.context["cl"].result_count == 1
    assert "owner@example.test" in page.content.decode()

    # "Retry now" puts it back; with the server up the next run delivers it.
    smtp.start()
    response = admin_client.post(
        "/admin/notify/notification/",
        {"action": "retry_now", "_selected_action": [row.pk]},
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.state == State.PENDING
    assert jobs.deliver(now=clock.now()) == 1
    row.refresh_from_db()
    assert (row.state, row.attempts) == (State.SENT, 9)
    assert len(smtp.inbox.envelopes) == 1


@pytest.mark.django_db
def test_row_of_a_crashed_run_is_taken_again_after_the_lease(site: Any, resident: Any) -> None:
    with time_machine.travel(T0, tick=False):
        notification_send(site=site, topic="t", title="进度", body="", phone=resident.phone)
        claimed = jobs.claim(now=clock.now(), batch=10)  # the run dies before sending
    assert [r.state for r in claimed] == [State.SENDING]
    assert jobs.deliver(now=T0 + jobs.CLAIM_LEASE - dt.timedelta(seconds=1)) == 0
    assert jobs.deliver(now=T0 + jobs.CLAIM_LEASE) == 1
    row = Notification.objects.get()
    assert (row.state, row.attempts) == (State.SENT, 2)


@pytest.mark.django_db(transaction=True)
def test_two_overlapping_deliver_runs_send_each_row_once(
    site: Any, http_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two runs at the same moment (threads, own connections): every row is sent exactly once."""
    monkeypatch.setenv("NOTIFY_WECOM_WEBHOOK", f"{http_server.url}/cgi-bin/webhook/send?key=k")
    http_server.delay = 0.02  # keep both runs busy at the same time
    for n in range(30):
        notification_send(
            site=site,
            topic="t",
            title=f"row-{n:02d}",
            body="",
            phone=f"1380013{n:04d}",
            channels=[Channel.WECOM],
        )
    barrier = threading.Barrier(2)
    counts: list[int] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            while True:
                done = jobs.deliver(now=clock.now(), batch=4)
                counts.append(done)
                if not done:
                    break
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    titles = sorted(r.json()["text"]["content"] for r in http_server.requests)
    assert titles == [f"row-{n:02d}" for n in range(30)]
    assert sum(counts) == 30
    assert set(Notification.objects.values_list("state", "attempts")) == {(State.SENT, 1)}
