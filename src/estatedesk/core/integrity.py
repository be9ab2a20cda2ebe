"""Invariants that must hold after any crash, kill or retry (``estatedesk check-integrity``).

Every check reads only committed rows and reports what it found, never repairs: a finding means
some write path broke its own transaction rule (style: the change, its audit event, its clocks and
its outbox rows commit together or not at all). The checks:

``ticket_created_event``
    every ticket has its ``ticket.created`` audit event.
``ticket_clocks``
    every active ticket has a clock for each SLA policy that its creation started (policies of
    its site matching ``ticket.created`` and the ticket, unchanged since the ticket was made).
``ticket_next_due``
    ``Ticket.next_due_at`` equals the earliest due time of its running, unpaused clocks.
``notification_state``
    every outbox row has a known state and the columns that state needs (a due row has a
    ``next_attempt_at``, so the delivery job will find it; a sent row has ``sent_at``).
``notification_queued``
    every ``notification.queued`` event's outbox rows exist (the rows commit with the event).
``idempotency``
    no (user, scope, key) answered twice, and every ticket-create answer names an existing
    ticket that no other answer names.
``duty_log``
    every site's duty-log hash chain verifies (the duty app's ``chain.verify_all``).

Apps are imported inside the functions: core stays importable without them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, Min, OuterRef, Q

TICKET_SUBJECT = "tickets.ticket"
TICKET_CREATE_SCOPE = "tickets.create"
# At most this many problems of one check are kept (the count is always exact).
SAMPLE_LIMIT = 20


@dataclass
class CheckResult:
    name: str
    checked: int = 0
    problems: int = 0
    samples: list[str] = field(default_factory=list)

    def fail(self, text: str) -> None:
        self.problems += 1
        if len(self.samples) < SAMPLE_LIMIT:
            self.samples.append(text)

    @property
    def ok(self) -> bool:
        return self.problems == 0


@dataclass
class IntegrityReport:
    results: list[CheckResult]

    @property
    def ok(self) -> bool:
        return all(result.ok for result in self.results)

    @property
    def problems(self) -> int:
        return sum(result.problems for result in self.results)

    def result(self, name: str) -> CheckResult:
        return next(result for result in self.results if result.name == name)


def check_ticket_created_event() -> CheckResult:
    from estatedesk.core.models import Event
    from estatedesk.tickets.models import Ticket

    result = CheckResult("ticket_created_event")
    created = Event.objects.filter(
        subject_type=TICKET_SUBJECT, subject_id=OuterRef("pk"), verb="ticket.created"
    )  # the event_subject index
    result.checked = Ticket.objects.count()
    for pk, number in (
        Ticket.objects.filter(~Exists(created)).order_by("pk").values_list("pk", "number")
    ):
        result.fail(f"ticket #{pk} {number}: no ticket.created event")
    return result


def _created_events() -> Iterator[tuple[int, dict[str, Any]]]:
    from estatedesk.core.models import Event

    rows = (
        Event.objects.filter(subject_type=TICKET_SUBJECT, verb="ticket.created")
        .order_by("subject_id")
        .values_list("subject_id", "data")
    )
    yield from rows.iterator(chunk_size=2000)


def check_ticket_clocks() -> CheckResult:
    """A clock per policy the creation started; policies edited after the ticket are skipped
    (their conditions then may not be the ones that applied)."""
    from estatedesk.sla import policy as policy_rules
    from estatedesk.sla.models import Clock
    from estatedesk.tickets.enums import ACTIVE_STATES
    from estatedesk.tickets.models import Ticket

    result = CheckResult("ticket_clocks")
    creation_data = dict(_created_events())
    policies: dict[int, list[Any]] = {}
    tickets = (
        Ticket.objects.filter(state__in=ACTIVE_STATES)
        .order_by("pk")
        .only("pk", "number", "site_id", "kind", "channel", "urgency", "is_complex", "created_at")
    )
    for chunk in _chunks(tickets.iterator(chunk_size=1000), 1000):
        kinds: dict[int, set[str]] = {}
        for ticket_id, kind in Clock.objects.filter(
            ticket_id__in=[t.pk for t in chunk]
        ).values_list("ticket_id", "kind"):
            kinds.setdefault(ticket_id, set()).add(kind)
        for ticket in chunk:
            result.checked += 1
            data = creation_data.get(ticket.pk)
            if data is None:
                continue  # reported by ticket_created_event
            if ticket.site_id not in policies:
                policies[ticket.site_id] = policy_rules.policies_for_site(ticket.site_id)
            for pol in policies[ticket.site_id]:
                if pol.updated_at is not None and pol.updated_at > ticket.created_at:
                    continue
                if not policy_rules.event_matches_any(pol.start_events, "ticket.created", data):
                    continue
                if not policy_rules.conditions_match(pol.conditions, ticket, data):
                    continue
                if pol.clock_kind not in kinds.get(ticket.pk, set()):
                    result.fail(
                        f"ticket #{ticket.pk} {ticket.number}: no {pol.rule} {pol.clock_kind} clock"
                    )
    return result


def check_ticket_next_due() -> CheckResult:
    from estatedesk.tickets.models import Ticket

    result = CheckResult("ticket_next_due")
    open_due = Min(
        "clocks__due_at",
        filter=Q(
            clocks__met_at__isnull=True,
            clocks__cancelled_at__isnull=True,
            clocks__paused_at__isnull=True,
        ),
    )
    rows = (
        Ticket.objects.annotate(expected=open_due)
        .order_by("pk")
        .values_list("pk", "number", "next_due_at", "expected")
    )
    for pk, number, next_due, expected in rows.iterator(chunk_size=2000):
        result.checked += 1
        if next_due != expected:
            result.fail(
                f"ticket #{pk} {number}: next_due_at {_iso(next_due)} but the earliest "
                f"running clock is due {_iso(expected)}"
            )
    return result


def check_notification_state() -> CheckResult:
    from estatedesk.notify.enums import DUE_STATES, Channel, State
    from estatedesk.notify.models import Notification

    result = CheckResult("notification_state")
    result.checked = Notification.objects.count()
    bad = (
        Notification.objects.filter(
            ~Q(state__in=State.values)
            | ~Q(channel__in=Channel.values)
            | Q(state__in=DUE_STATES, next_attempt_at__isnull=True)
            | Q(state=State.SENT, sent_at__isnull=True)
            | Q(state=State.SENT, next_attempt_at__isnull=False)
            | Q(state=State.DEAD, next_attempt_at__isnull=False)
            | Q(channel=Channel.INAPP, user__isnull=True)
        )
        .order_by("pk")
        .values_list("pk", "channel", "state", "next_attempt_at", "sent_at")
    )
    for pk, channel, state, next_attempt, sent_at in bad:
        result.fail(
            f"notification #{pk} ({channel}) state {state!r}, next_attempt_at "
            f"{_iso(next_attempt)}, sent_at {_iso(sent_at)}"
        )
    return result


def check_notification_queued() -> CheckResult:
    from estatedesk.core.models import Event
    from estatedesk.notify.models import Notification

    result = CheckResult("notification_queued")
    events = Event.objects.filter(verb="notification.queued").order_by("pk")
    for chunk in _chunks(events.values_list("pk", "data").iterator(chunk_size=2000), 2000):
        wanted = {int(i) for _pk, data in chunk for i in (data or {}).get("ids", [])}
        existing = set(Notification.objects.filter(pk__in=wanted).values_list("pk", flat=True))
        for event_id, data in chunk:
            ids = [int(i) for i in (data or {}).get("ids", [])]
            result.checked += len(ids)
            missing = [i for i in ids if i not in existing]
            if missing:
                result.fail(f"event #{event_id} queued notification(s) {missing}: rows missing")
    return result


def check_idempotency() -> CheckResult:
    from estatedesk.core.models import IdempotencyRecord
    from estatedesk.tickets.models import Ticket

    result = CheckResult("idempotency")
    result.checked = IdempotencyRecord.objects.count()
    duplicates = (
        IdempotencyRecord.objects.values("user_id", "scope", "key")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .order_by("user_id", "scope", "key")
    )
    for row in duplicates:
        result.fail(f"{row['scope']}:{row['key']} of user #{row['user_id']} answered {row['n']}x")
    answers = IdempotencyRecord.objects.filter(
        scope=TICKET_CREATE_SCOPE, status_code__in=[200, 201]
    ).order_by("pk")
    named: dict[int, int] = {}
    for chunk in _chunks(answers.values_list("pk", "key", "response").iterator(2000), 2000):
        ids = {_ticket_id(response) for _pk, _key, response in chunk} - {None}
        existing = set(Ticket.objects.filter(pk__in=ids).values_list("pk", flat=True))
        for record_id, key, response in chunk:
            ticket_id = _ticket_id(response)
            if ticket_id is None or ticket_id not in existing:
                result.fail(f"key {key}: answered ticket #{ticket_id}, which does not exist")
            elif ticket_id in named:
                result.fail(
                    f"key {key}: ticket #{ticket_id} also the answer of record #{named[ticket_id]}"
                )
            else:
                named[ticket_id] = record_id
    return result


def check_duty_log() -> CheckResult:
    from estatedesk.duty.chain import verify_all

    result = CheckResult("duty_log")
    for report in verify_all():
        result.checked += report.entries
        if report.problem is not None:
            result.fail(
                f"site {report.site_code}: entry seq {report.problem.seq}: {report.problem.reason}"
            )
    return result


CHECKS: list[Callable[[], CheckResult]] = [
    check_ticket_created_event,
    check_ticket_clocks,
    check_ticket_next_due,
    check_notification_state,
    check_notification_queued,
    check_idempotency,
    check_duty_log,
]


def run_all() -> IntegrityReport:
    return IntegrityReport([check() for check in CHECKS])


def _ticket_id(response: Any) -> int | None:
    if isinstance(response, dict) and isinstance(response.get("id"), int):
        return int(response["id"])
    return None


def _iso(value: dt.datetime | None) -> str:
    return value.isoformat() if value is not None else "None"


def _chunks(items: Iterator[Any], size: int) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
