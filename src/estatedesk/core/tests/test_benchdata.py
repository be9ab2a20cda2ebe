"""The benchmark data generator (``estatedesk bench-data``): 300 tickets on the test database
(COPY on PostgreSQL, INSERTs on SQLite) must be data the application itself accepts."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.db import connection

from estatedesk.core import benchdata, clock
from estatedesk.core.models import Event, Sequence
from estatedesk.duty import chain
from estatedesk.duty.models import DutyLogChain, DutyLogEntry
from estatedesk.org.enums import Role
from estatedesk.org.models import Membership, Site
from estatedesk.sla import jobs as sla_jobs
from estatedesk.sla.models import Clock
from estatedesk.tickets import services as ticket_services
from estatedesk.tickets.enums import ACTIVE_STATES, TicketKind
from estatedesk.tickets.models import Ticket

pytestmark = pytest.mark.django_db(transaction=False)

TICKETS = 300


@pytest.fixture
def generated() -> benchdata.Summary:
    return benchdata.generate(tickets=TICKETS, days=60, seed=7, fast=False)


def test_generates_the_requested_company_and_tickets(generated: benchdata.Summary) -> None:
    assert generated.tickets == TICKETS
    assert Ticket.objects.count() == TICKETS
    assert Site.objects.filter(company_id=generated.company_id).count() == generated.sites == 1
    assert generated.open_tickets == Ticket.objects.filter(state__in=ACTIVE_STATES).count()
    # every role of the CS center and the departments is staffed
    roles = set(Membership.objects.values_list("role", flat=True))
    assert roles == set(Role.values)
    kinds = Counter(Ticket.objects.values_list("kind", flat=True))
    assert kinds[TicketKind.REPAIR] > kinds[TicketKind.COMPLAINT] > 0
    # every ticket's receipt is in its audit trail
    assert Event.objects.filter(verb="ticket.created").count() == TICKETS
    connection.check_constraints()  # every reference resolves


def test_ticket_numbers_are_unique_and_continue_the_daily_sequence(
    generated: benchdata.Summary,
) -> None:
    numbers = list(Ticket.objects.values_list("number", flat=True))
    assert len(set(numbers)) == TICKETS
    per_day = Counter(number[:-4] for number in numbers)
    sequences = dict(Sequence.objects.values_list("key", "value"))
    for prefix, count in per_day.items():
        code, day = prefix[:-6], prefix[-6:]
        assert sequences[f"{code}:{day}"] == count
        assert f"{prefix}{count:04d}" in numbers
    # the next intake of the day continues after the generated numbers
    site = Site.objects.get(company_id=generated.company_id)
    desk = Membership.objects.filter(site=site, role=Role.CS_ASSISTANT).first()
    assert desk is not None
    ticket = ticket_services.ticket_create(
        site=site,
        actor=desk.user,
        kind=TicketKind.REPAIR,
        channel="hotline",
        description="楼道灯不亮",
        reporter_name="测试",
    )
    day = clock.localtime(ticket.received_at).strftime("%y%m%d")
    assert ticket.number == f"{site.code}{day}{per_day.get(f'{site.code}{day}', 0) + 1:04d}"


def test_duty_log_chains_verify(generated: benchdata.Summary) -> None:
    reports = chain.verify_all()
    assert reports
    assert all(report.ok for report in reports), [r.problem for r in reports]
    head = DutyLogChain.objects.get()
    assert head.last_seq == DutyLogEntry.objects.count() > 60


def test_next_due_is_the_earliest_running_clock_and_the_sweep_has_nothing_left(
    generated: benchdata.Summary,
) -> None:
    earliest: dict[int, dt.datetime] = {}
    running = Clock.objects.filter(
        met_at__isnull=True, cancelled_at__isnull=True, paused_at__isnull=True
    )
    for ticket_id, due_at in running.values_list("ticket_id", "due_at"):
        if ticket_id not in earliest or due_at < earliest[ticket_id]:
            earliest[ticket_id] = due_at
    for ticket_id, next_due in Ticket.objects.values_list("pk", "next_due_at"):
        assert next_due == earliest.get(ticket_id), ticket_id
    # met and missed clocks both occur; finished tickets keep no running clock
    assert Clock.objects.filter(met_at__isnull=False, breached_at__isnull=True).exists()
    assert Clock.objects.filter(breached_at__isnull=False).exists()
    assert not running.exclude(ticket__state__in=ACTIVE_STATES).exists()
    # the sweep already ran on everything due before now
    result = sla_jobs.sweep(now=clock.now() - dt.timedelta(minutes=1))
    assert (result.warned, result.breached, result.escalated) == (0, 0, 0)
