"""Fixtures of the tickets tests: a site's staff in the roles the workflow knows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from estatedesk.org.enums import DepartmentKind, Role
from estatedesk.org.tests.factories import (
    BuildingFactory,
    DepartmentFactory,
    ExternalPartyFactory,
    UnitFactory,
)
from estatedesk.tickets import services
from estatedesk.tickets.enums import Channel, TicketKind


@pytest.fixture
def assistant(site: Any, make_staff: Any) -> Any:
    return make_staff(site, Role.CS_ASSISTANT, DepartmentKind.CUSTOMER_SERVICE)


@pytest.fixture
def dispatcher(site: Any, make_staff: Any) -> Any:
    return make_staff(site, Role.DISPATCHER, DepartmentKind.CUSTOMER_SERVICE)


@pytest.fixture
def supervisor(site: Any, make_staff: Any) -> Any:
    return make_staff(site, Role.CS_SUPERVISOR, DepartmentKind.CUSTOMER_SERVICE)


@pytest.fixture
def plumber(site: Any, make_staff: Any) -> Any:
    return make_staff(site, Role.DEPT_STAFF, DepartmentKind.ENGINEERING)


@pytest.fixture
def eng_leader(site: Any, make_staff: Any) -> Any:
    return make_staff(site, Role.TEAM_LEADER, DepartmentKind.ENGINEERING)


@pytest.fixture
def cleaner(site: Any, make_staff: Any) -> Any:
    return make_staff(site, Role.DEPT_STAFF, DepartmentKind.CLEANING)


@pytest.fixture
def finance(site: Any, make_staff: Any) -> Any:
    return make_staff(site, Role.FINANCE, DepartmentKind.FINANCE)


@pytest.fixture
def engineering(site: Any) -> Any:
    return DepartmentFactory(site=site, kind=DepartmentKind.ENGINEERING)


@pytest.fixture
def unit(site: Any) -> Any:
    return UnitFactory(building=BuildingFactory(site=site, name="3栋"), number="1201")


@pytest.fixture
def vendor(site: Any) -> Any:
    return ExternalPartyFactory(site=site, name="长城宽带", committed_response_hours=24)


@pytest.fixture
def make_ticket(site: Any, assistant: Any) -> Callable[..., Any]:
    """``make_ticket(**fields)``: a ticket registered through ``ticket_create``."""

    def make(**fields: Any) -> Any:
        values: dict[str, Any] = {
            "site": site,
            "actor": assistant,
            "kind": TicketKind.REPAIR,
            "channel": Channel.HOTLINE,
            "description": "厨房水管漏水",
            "reporter_name": "张先生",
            "reporter_phone": "13912345678",
        }
        values.update(fields)
        return services.ticket_create(**values)

    return make
