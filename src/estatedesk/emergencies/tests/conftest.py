"""Emergency fixtures: staff in every role an emergency involves, a clock frozen at a weekday
evening, and a helper that opens an emergency through the service."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine

from estatedesk.core import clock
from estatedesk.org.enums import DepartmentKind, Role

TZ = clock.local_zone()
# A Tuesday evening, after working hours (the duty officer's shift).
START = dt.datetime(2026, 11, 17, 21, 0, tzinfo=TZ)

STAFF = {
    "dispatcher": (Role.DISPATCHER, DepartmentKind.CUSTOMER_SERVICE),
    "officer2": (Role.DISPATCHER, DepartmentKind.CUSTOMER_SERVICE),
    "assistant": (Role.CS_ASSISTANT, DepartmentKind.CUSTOMER_SERVICE),
    "supervisor": (Role.CS_SUPERVISOR, DepartmentKind.CUSTOMER_SERVICE),
    "manager": (Role.SITE_MANAGER, DepartmentKind.MANAGEMENT),
    "deputy": (Role.DEPUTY_GM, DepartmentKind.MANAGEMENT),
    "gm": (Role.GM, DepartmentKind.MANAGEMENT),
    "sec_head": (Role.DEPT_HEAD, DepartmentKind.SECURITY),
    "guard_leader": (Role.TEAM_LEADER, DepartmentKind.SECURITY),
    "guard": (Role.DEPT_STAFF, DepartmentKind.SECURITY),
    "eng_head": (Role.DEPT_HEAD, DepartmentKind.ENGINEERING),
}


@pytest.fixture
def staff(site: Any, make_staff: Any) -> dict[str, Any]:
    return {
        name: make_staff(site, role, department, username=f"{name}-{site.code.lower()}")
        for name, (role, department) in STAFF.items()
    }


@pytest.fixture
def frozen() -> Any:
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def open_emergency(site: Any, actor: Any, kind: str = "fire", **fields: Any) -> Any:
    from estatedesk.emergencies.services import emergency_open

    values: dict[str, Any] = {
        "description": "5栋 12 楼楼道烟感报警，有焦味",
        "reporter_name": "5栋1203 住户",
        "reporter_phone": "13800001203",
        "location_text": "5栋 12 楼",
    }
    values.update(fields)
    return emergency_open(site=site, actor=actor, kind=kind, **values)
