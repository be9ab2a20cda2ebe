"""Two people act on one record at the same instant (threads, each with its own connection):
one wins, the other gets a conflict, and nothing of the loser's action is half-applied.

Already covered elsewhere (docs/reliability.md lists them): key lending from two threads
(archives/tests/test_keys.py::test_concurrent_lend_from_two_threads_one_conflict_ar5),
concurrent duty-log appends (duty/tests/test_log.py), retries of one Idempotency-Key
(tickets/tests/test_api.py), overlapping notification deliveries (notify/tests/test_jobs.py)
and ticket numbers (tickets/tests/test_intake.py, core/tests/test_numbering.py)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.db import close_old_connections, connection

from estatedesk.core.errors import DeskError
from estatedesk.core.models import Event
from estatedesk.duty.chain import verify_site
from estatedesk.duty.enums import HandoverState, LogEntryKind
from estatedesk.duty.models import DutyLogEntry, Handover
from estatedesk.duty.services import (
    handover_acknowledge_log,
    handover_complete,
    handover_record_counts,
    handover_start,
    handover_take_over,
)
from estatedesk.duty.tests.factories import at, post_items, roster_with
from estatedesk.org.enums import DepartmentKind, Role
from estatedesk.org.tests.factories import DepartmentFactory
from estatedesk.sla.models import Clock
from estatedesk.tickets import services
from estatedesk.tickets.enums import Channel, TicketKind, TicketState
from estatedesk.tickets.models import Ticket

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="two connections racing on row locks: PostgreSQL (SQLite serialises writers)",
    ),
]

PASSWORD = "pass-for-tests-1"


def race(*actions: Callable[[], Any]) -> list[str]:
    """Run the actions at the same instant, one thread each; ``ok`` or the DeskError code."""
    barrier = threading.Barrier(len(actions))
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(action: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=10)
            action()
            outcome = "ok"
        except DeskError as exc:
            outcome = exc.code
        except BaseException as exc:
            outcome = f"crash {type(exc).__name__}: {exc}"
        finally:
            close_old_connections()
            connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=run, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return sorted(outcomes)


@pytest.fixture
def ticket(site: Any, make_staff: Any) -> Ticket:
    assistant = make_staff(site, Role.CS_ASSISTANT, DepartmentKind.CUSTOMER_SERVICE)
    return services.ticket_create(
        site=site,
        actor=assistant,
        kind=TicketKind.REPAIR,
        channel=Channel.HOTLINE,
        description="厨房水管漏水",
        reporter_name="张先生",
        reporter_phone="13912345678",
    )


def test_two_dispatchers_dispatch_one_ticket_one_wins_one_conflict_ds1(
    site: Any, make_staff: Any, ticket: Ticket
) -> None:
    first = make_staff(site, Role.DISPATCHER, DepartmentKind.CUSTOMER_SERVICE)
    second = make_staff(site, Role.DISPATCHER, DepartmentKind.CUSTOMER_SERVICE)
    engineering = DepartmentFactory(site=site, kind=DepartmentKind.ENGINEERING)
    cleaning = DepartmentFactory(site=site, kind=DepartmentKind.CLEANING)
    clocks_before = Clock.objects.filter(ticket=ticket).count()

    def dispatch(actor: Any, department: Any) -> Callable[[], Any]:
        return lambda: services.ticket_transition(
            ticket_id=ticket.pk,
            action="dispatch",
            actor=actor,
            expected_version=1,
            payload={"department_id": department.pk},
        )

    assert race(dispatch(first, engineering), dispatch(second, cleaning)) == ["conflict", "ok"]
    ticket.refresh_from_db()
    assert (ticket.state, ticket.version) == (TicketState.DISPATCHED, 2)
    events = Event.objects.filter(subject_type="tickets.ticket", subject_id=ticket.pk)
    assert events.filter(verb="ticket.dispatch").count() == 1
    winner = events.get(verb="ticket.dispatch")
    assert ticket.department_id == (engineering.pk if winner.actor_id == first.pk else cleaning.pk)
    started = Clock.objects.filter(ticket=ticket).count() - clocks_before
    kinds = list(Clock.objects.filter(ticket=ticket).values_list("kind", flat=True))
    assert started >= 1 and len(kinds) == len(set(kinds))


def test_two_dispatchers_without_version_second_is_refused(
    site: Any, make_staff: Any, ticket: Ticket
) -> None:
    first = make_staff(site, Role.DISPATCHER, DepartmentKind.CUSTOMER_SERVICE)
    second = make_staff(site, Role.DISPATCHER, DepartmentKind.CUSTOMER_SERVICE)
    engineering = DepartmentFactory(site=site, kind=DepartmentKind.ENGINEERING)

    def dispatch(actor: Any) -> Callable[[], Any]:
        return lambda: services.ticket_transition(
            ticket_id=ticket.pk,
            action="dispatch",
            actor=actor,
            payload={"department_id": engineering.pk},
        )

    # The loser either lost the compare-and-set (conflict) or, reading after the winner's
    # commit, found the ticket no longer waiting for dispatch.
    loser, winner = race(dispatch(first), dispatch(second))
    assert (loser in {"conflict", "transition_not_allowed"}, winner) == (True, "ok")
    assert Event.objects.filter(subject_id=ticket.pk, verb="ticket.dispatch").count() == 1
    assert Ticket.objects.get(pk=ticket.pk).version == 2


def test_two_screens_complete_one_handover_at_once_one_conflict_dt9(
    site: Any, make_staff: Any
) -> None:
    officer = make_staff(site, Role.DISPATCHER, DepartmentKind.CUSTOMER_SERVICE)
    officer2 = make_staff(site, Role.DISPATCHER, DepartmentKind.CUSTOMER_SERVICE)
    tuesday, wednesday = at(2026, 11, 17).date(), at(2026, 11, 18).date()
    roster_with(site, {tuesday: officer, wednesday: officer2})
    post_items(site)
    with time_machine.travel(at(2026, 11, 18, 17, 25), tick=False):
        from estatedesk.duty.services import log_entry_append

        log_entry_append(site=site, kind=LogEntryKind.CALL, text="来电咨询停车", actor=officer)
        handover = handover_start(site=site, actor=officer2)
        handover_record_counts(
            handover=handover,
            version=handover.version,
            counts={c.pk: (c.expected, "") for c in handover.counts.all()},
            actor=officer2,
        )
        handover_acknowledge_log(
            handover=handover,
            version=handover.version,
            through_seq=DutyLogEntry.objects.filter(site=site).count(),
            actor=officer2,
        )
        handover_take_over(
            handover=handover,
            version=handover.version,
            taken=set(handover.lines.values_list("pk", flat=True)),
            notes={},
            actor=officer2,
        )
        entries_before = DutyLogEntry.objects.filter(site=site).count()

        def complete() -> Any:
            screen = Handover.objects.get(pk=handover.pk)
            return handover_complete(
                handover=screen,
                version=screen.version,
                outgoing_password=PASSWORD,
                incoming_password=PASSWORD,
                actor=officer2,
            )

        assert race(complete, complete) == ["conflict", "ok"]
    handover.refresh_from_db()
    assert handover.state == HandoverState.COMPLETED
    assert DutyLogEntry.objects.filter(kind=LogEntryKind.HANDOVER).count() == 1
    assert DutyLogEntry.objects.filter(site=site).count() == entries_before + 1
    assert verify_site(site).ok


def test_conflict_is_also_what_the_api_says_409(site: Any, make_staff: Any, ticket: Ticket) -> None:
    from django.test import Client

    from estatedesk.org.services import api_token_create

    first = make_staff(site, Role.DISPATCHER, DepartmentKind.CUSTOMER_SERVICE)
    second = make_staff(site, Role.DISPATCHER, DepartmentKind.CUSTOMER_SERVICE)
    engineering = DepartmentFactory(site=site, kind=DepartmentKind.ENGINEERING)
    answers: list[int] = []

    def post(user: Any) -> Callable[[], Any]:
        _token, raw = api_token_create(user=user, name="t", actor=user)
        client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")

        def call() -> None:
            response = client.post(
                f"/api/v1/tickets/{ticket.pk}/actions/dispatch",
                {"version": 1, "payload": {"department_id": engineering.pk}},
                content_type="application/json",
            )
            answers.append(response.status_code)

        return call

    assert race(post(first), post(second)) == ["ok", "ok"]
    assert sorted(answers) == [200, 409]
    assert Event.objects.filter(subject_id=ticket.pk, verb="ticket.dispatch").count() == 1
