"""Fixtures of the reports tests: a site's staff, and a ``desk`` that makes tickets through the
real ticket services at fixed times (time-machine), so clocks and audit events are genuine."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine

from estatedesk.core import clock
from estatedesk.dispatch.services import followup_record
from estatedesk.org.enums import DepartmentKind, Role
from estatedesk.org.tests.factories import BuildingFactory, DepartmentFactory, UnitFactory
from estatedesk.reports import rollups
from estatedesk.tickets import services as ticket_services
from estatedesk.tickets.models import Ticket


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    """An aware Asia/Shanghai time."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=clock.local_zone())


@pytest.fixture
def people(site: Any, make_staff: Any) -> dict[str, Any]:
    return {
        "assistant": make_staff(site, Role.CS_ASSISTANT, DepartmentKind.CUSTOMER_SERVICE),
        "dispatcher": make_staff(site, Role.DISPATCHER, DepartmentKind.CUSTOMER_SERVICE),
        "supervisor": make_staff(site, Role.CS_SUPERVISOR, DepartmentKind.CUSTOMER_SERVICE),
        "manager": make_staff(site, Role.SITE_MANAGER, DepartmentKind.MANAGEMENT),
        "plumber": make_staff(site, Role.DEPT_STAFF, DepartmentKind.ENGINEERING),
        "quality": make_staff(site, Role.QUALITY, DepartmentKind.QUALITY),
    }


@pytest.fixture
def engineering(site: Any) -> Any:
    return DepartmentFactory(site=site, kind=DepartmentKind.ENGINEERING)


@pytest.fixture
def building(site: Any) -> Any:
    return BuildingFactory(site=site, name="3栋")


@pytest.fixture
def units(building: Any) -> list[Any]:
    return [UnitFactory(building=building, number=str(n)) for n in (1201, 1202, 1203, 1204)]


class Desk:
    """Tickets made and moved through the ticket services at chosen times."""

    def __init__(self, site: Any, people: dict[str, Any], engineering: Any) -> None:
        self.site = site
        self.people = people
        self.engineering = engineering

    def ticket(self, when: dt.datetime, **fields: Any) -> Ticket:
        values: dict[str, Any] = {
            "kind": "repair",
            "channel": "hotline",
            "description": "厨房水管漏水",
            "reporter_name": "张先生",
            "reporter_phone": "13912345678",
        }
        values.update(fields)
        with time_machine.travel(when, tick=False):
            return ticket_services.ticket_create(
                site=self.site, actor=self.people["assistant"], **values
            )

    def act(self, ticket: Ticket, action: str, who: str, when: dt.datetime, **payload: Any) -> Any:
        with time_machine.travel(when, tick=False):
            return ticket_services.ticket_transition(
                ticket_id=ticket.pk, action=action, actor=self.people[who], payload=payload
            )

    def dispatch(self, ticket: Ticket, when: dt.datetime) -> Any:
        return self.act(
            ticket,
            "dispatch",
            "dispatcher",
            when,
            department_id=self.engineering.pk,
            assignee_id=self.people["plumber"].pk,
        )

    def complete(self, ticket: Ticket, when: dt.datetime) -> Any:
        return self.act(ticket, "complete", "plumber", when, note="已修好")

    def follow_up(self, ticket: Ticket, which: str, when: dt.datetime) -> Any:
        with time_machine.travel(when, tick=False):
            return followup_record(
                ticket_id=ticket.pk,
                which=which,
                arranged=True,
                note="师傅已安排",
                actor=self.people["dispatcher"],
            )

    def rate(self, ticket: Ticket, rating: int, when: dt.datetime) -> Any:
        with time_machine.travel(when, tick=False):
            return ticket_services.ticket_rate(
                ticket_id=ticket.pk, actor=self.people["assistant"], rating=rating
            )

    def refresh(self, when: dt.datetime) -> rollups.RefreshResult:
        with time_machine.travel(when, tick=False):
            return rollups.refresh(now=clock.now())


@pytest.fixture
def desk(site: Any, people: dict[str, Any], engineering: Any) -> Desk:
    return Desk(site, people, engineering)
