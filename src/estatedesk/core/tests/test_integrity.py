"""``estatedesk check-integrity``: every invariant holds on clean data and names what broke."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from estatedesk.core import clock, integrity
from estatedesk.core.models import Event, IdempotencyRecord
from estatedesk.duty.enums import LogEntryKind
from estatedesk.duty.services import log_entry_append
from estatedesk.notify.enums import State
from estatedesk.notify.models import Notification
from estatedesk.notify.services import notification_send
from estatedesk.org.enums import DepartmentKind, Role
from estatedesk.sla.models import Clock
from estatedesk.tickets import services
from estatedesk.tickets.enums import Channel, TicketKind
from estatedesk.tickets.models import Ticket


@pytest.fixture
def desk(site: Any, make_staff: Any) -> Any:
    return make_staff(site, Role.DISPATCHER, DepartmentKind.CUSTOMER_SERVICE)


@pytest.fixture
def ticket(site: Any, desk: Any) -> Ticket:
    return services.ticket_create(
        site=site,
        actor=desk,
        kind=TicketKind.REPAIR,
        channel=Channel.HOTLINE,
        description="厨房水管漏水",
        reporter_name="张三",
        reporter_phone="13900000001",
        location_text="1栋1201",
    )


def _problems(name: str) -> list[str]:
    return integrity.run_all().result(name).samples


def test_clean_data_passes_every_check(site: Any, desk: Any, ticket: Ticket) -> None:
    notification_send(site=site, topic="t", title="新工单", body="", user=desk)
    log_entry_append(site=site, kind=LogEntryKind.CALL, text="来电", actor=desk)
    report = integrity.run_all()
    assert [(r.name, r.problems) for r in report.results] == [
        ("ticket_created_event", 0),
        ("ticket_clocks", 0),
        ("ticket_next_due", 0),
        ("notification_state", 0),
        ("notification_queued", 0),
        ("idempotency", 0),
        ("duty_log", 0),
    ]
    assert report.result("ticket_clocks").checked == 1
    assert report.result("duty_log").checked == 1
    assert Clock.objects.filter(ticket=ticket, kind="first_response").count() == 1


def test_ticket_without_created_event_is_named(ticket: Ticket) -> None:
    Event.objects.filter(subject_type="tickets.ticket", subject_id=ticket.pk).delete()
    assert _problems("ticket_created_event") == [
        f"ticket #{ticket.pk} {ticket.number}: no ticket.created event"
    ]


def test_active_ticket_missing_its_policy_clock_is_named(ticket: Ticket) -> None:
    Clock.objects.filter(ticket=ticket, kind="first_response").delete()
    Ticket.objects.filter(pk=ticket.pk).update(next_due_at=None)
    assert _problems("ticket_clocks") == [
        f"ticket #{ticket.pk} {ticket.number}: no RQ-6 first_response clock"
    ]
    assert _problems("ticket_next_due") == []


def test_next_due_not_matching_clocks_is_named(ticket: Ticket) -> None:
    wrong = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    Ticket.objects.filter(pk=ticket.pk).update(next_due_at=wrong)
    (problem,) = _problems("ticket_next_due")
    assert problem.startswith(
        f"ticket #{ticket.pk} {ticket.number}: next_due_at 2030-01-01T00:00:00+00:00 but"
    )


def test_due_notification_without_next_attempt_would_never_be_sent(
    site: Any, resident: Any
) -> None:
    (row,) = notification_send(site=site, topic="t", title="进度", body="", phone=resident.phone)
    Notification.objects.filter(pk=row.pk).update(state=State.FAILED, next_attempt_at=None)
    (problem,) = _problems("notification_state")
    assert problem.startswith(f"notification #{row.pk} (sms) state 'failed', next_attempt_at None")


def test_queued_event_without_its_outbox_row_is_named(site: Any, desk: Any) -> None:
    (row,) = notification_send(site=site, topic="t", title="新工单", body="", user=desk)
    event = Event.objects.get(verb="notification.queued")
    Notification.objects.filter(pk=row.pk).delete()
    assert _problems("notification_queued") == [
        f"event #{event.pk} queued notification(s) [{row.pk}]: rows missing"
    ]


def test_idempotency_answer_naming_a_missing_or_shared_ticket(desk: Any, ticket: Ticket) -> None:
    now = clock.now()
    for key, ticket_id in (("a", ticket.pk), ("b", ticket.pk), ("c", 999999)):
        IdempotencyRecord.objects.create(
            user=desk,
            key=key,
            scope="tickets.create",
            status_code=201,
            response={"id": ticket_id},
            created_at=now,
        )
    first = IdempotencyRecord.objects.get(key="a")
    assert _problems("idempotency") == [
        f"key b: ticket #{ticket.pk} also the answer of record #{first.pk}",
        "key c: answered ticket #999999, which does not exist",
    ]


def test_altered_duty_log_is_named(site: Any, desk: Any) -> None:
    entry = log_entry_append(site=site, kind=LogEntryKind.CALL, text="来电", actor=desk)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER duty_log_entry_append_only ON duty_dutylogentry")
        cursor.execute("UPDATE duty_dutylogentry SET text = %s WHERE id = %s", ["改", entry.pk])
    (problem,) = _problems("duty_log")
    assert problem.startswith(f"site {site.code}: entry seq 1:")


def test_command_exits_1_and_prints_json(ticket: Ticket, capsys: Any) -> None:
    call_command("check_integrity", "--json")
    body = json.loads(capsys.readouterr().out)
    assert body["ok"] is True
    assert {c["name"]: c["checked"] for c in body["checks"]}["ticket_created_event"] == 1
    Event.objects.filter(subject_type="tickets.ticket").delete()
    with pytest.raises(CommandError, match="1 integrity problem"):
        call_command("check_integrity")
    assert "BROKEN ticket_created_event" in capsys.readouterr().err
