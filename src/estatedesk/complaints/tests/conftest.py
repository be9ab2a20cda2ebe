"""Fixtures of the complaint tests: a site's staff in every role the cycle needs, its
departments, a resident with a unit, and ``make_complaint`` through the intake service."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from estatedesk.complaints import services
from estatedesk.complaints.enums import Scope, Severity, Validity
from estatedesk.core.clock import local_zone
from estatedesk.org.enums import DepartmentKind, Role
from estatedesk.org.tests.factories import (
    BuildingFactory,
    DepartmentFactory,
    ExternalPartyFactory,
    ResidentFactory,
    UnitFactory,
)
from estatedesk.tickets.enums import Channel


def local(*args: int) -> dt.datetime:
    """An aware Asia/Shanghai datetime."""
    return dt.datetime(*args, tzinfo=local_zone())  # type: ignore[misc]


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
def manager(site: Any, make_staff: Any) -> Any:
    return make_staff(site, Role.SITE_MANAGER, DepartmentKind.MANAGEMENT)


@pytest.fixture
def area_manager(site: Any, make_staff: Any) -> Any:
    return make_staff(site, Role.AREA_MANAGER, DepartmentKind.MANAGEMENT)


@pytest.fixture
def eng_head(site: Any, make_staff: Any) -> Any:
    return make_staff(site, Role.DEPT_HEAD, DepartmentKind.ENGINEERING)


@pytest.fixture
def plumber(site: Any, make_staff: Any) -> Any:
    return make_staff(site, Role.DEPT_STAFF, DepartmentKind.ENGINEERING)


@pytest.fixture
def cleaner(site: Any, make_staff: Any) -> Any:
    return make_staff(site, Role.DEPT_STAFF, DepartmentKind.CLEANING)


@pytest.fixture
def quality(site: Any, make_staff: Any) -> Any:
    return make_staff(site, Role.QUALITY, DepartmentKind.QUALITY)


@pytest.fixture
def engineering(site: Any) -> Any:
    return DepartmentFactory(site=site, kind=DepartmentKind.ENGINEERING)


@pytest.fixture
def cleaning(site: Any) -> Any:
    return DepartmentFactory(site=site, kind=DepartmentKind.CLEANING)


@pytest.fixture
def developer(site: Any) -> Any:
    return ExternalPartyFactory(
        site=site, kind="developer", name="示例置业", committed_response_hours=72
    )


@pytest.fixture
def unit(site: Any) -> Any:
    return UnitFactory(building=BuildingFactory(site=site, name="3栋"), number="1201")


@pytest.fixture
def complainant(site: Any, unit: Any) -> Any:
    return ResidentFactory(site=site, name="张先生", phone="13912345678", unit=unit)


@pytest.fixture
def make_complaint(
    site: Any, assistant: Any, engineering: Any, complainant: Any, unit: Any
) -> Callable[..., Any]:
    """``make_complaint(**overrides)``: a complaint received through ``complaint_create``.

    Ticket fields (``description``, ``received_at``, ``channel``, ``reporter_phone`` ...) and
    detail fields (``severity``, ``validity``, ``department_id`` ...) are told apart by name.
    """
    ticket_keys = {
        "channel",
        "description",
        "reporter_name",
        "reporter_phone",
        "unit",
        "place",
        "location_text",
        "occurred_at",
        "resident",
        "received_at",
    }

    def make(actor: Any = None, **overrides: Any) -> Any:
        ticket_fields: dict[str, Any] = {
            "channel": Channel.HOTLINE,
            "description": "楼上装修噪音，物业巡查没有制止",
            "reporter_name": complainant.name,
            "reporter_phone": complainant.phone,
            "unit": unit,
            "resident": complainant,
        }
        detail: dict[str, Any] = {
            "validity": Validity.VALID,
            "severity": Severity.MINOR,
            "scope": Scope.PROPERTY,
            "demand": "请尽快处理并答复",
            "apology": "非常抱歉给您带来不便。",
            "department_id": engineering.pk,
        }
        for key, value in overrides.items():
            (ticket_fields if key in ticket_keys else detail)[key] = value
        return services.complaint_create(
            site=site,
            actor=actor or assistant,
            ticket_fields=ticket_fields,
            detail=services.ComplaintDetail(**detail),
        )

    return make
