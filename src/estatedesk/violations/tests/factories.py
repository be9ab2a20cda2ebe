"""Test helpers: cases are made through the real services so every invariant holds."""

from __future__ import annotations

import datetime as dt
from typing import Any

from estatedesk.core import clock
from estatedesk.org.enums import Role
from estatedesk.org.tests.factories import BuildingFactory, ResidentFactory, UnitFactory
from estatedesk.violations import services
from estatedesk.violations.enums import Grade, ViolationKind, ViolationSubKind
from estatedesk.violations.models import ViolationCase, ViolationSettings

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"\x00" * 64


def make_case(
    site: Any,
    actor: Any,
    *,
    kind: str = ViolationKind.RENOVATION,
    sub_kind: str = ViolationSubKind.RENOVATION_WINDOW,
    grade: str = Grade.GENERAL,
    onsite_persuasion: str = "",
    resident: Any = None,
    unit: Any = None,
) -> ViolationCase:
    if unit is None:
        unit = UnitFactory(building=BuildingFactory(site=site))
    if resident is None:
        resident = ResidentFactory(site=site, unit=unit)
    serious = grade == Grade.MAJOR
    return services.case_register(
        unit=unit,
        resident=resident,
        kind=kind,
        sub_kind=sub_kind,
        location=f"{unit.label} 窗外",
        occurred_at=clock.now() - dt.timedelta(hours=1),
        witness="保安 朱亮",
        description="窗外加装防盗网",
        onsite_persuasion=onsite_persuasion,
        grade=grade,
        causes_loss=serious,
        endangers_safety=False,
        actor=actor,
    )


def arrears_case(site: Any, actor: Any, **kwargs: Any) -> ViolationCase:
    return make_case(
        site,
        actor,
        kind=ViolationKind.REFUSING_FEES,
        sub_kind=ViolationSubKind.FEES_REFUSED,
        **kwargs,
    )


def allow_cutoff(site: Any, **changes: Any) -> ViolationSettings:
    row, _created = ViolationSettings.objects.get_or_create(site=site)
    row.covenant_allows_cutoff = True
    for name, value in changes.items():
        setattr(row, name, value)
    row.save()
    return row


def staff_set(site: Any, make_staff: Any) -> dict[str, Any]:
    """One user per role the violation tests need."""
    return {
        "assistant": make_staff(site, Role.CS_ASSISTANT, "cs"),
        "supervisor": make_staff(site, Role.CS_SUPERVISOR, "cs"),
        "manager": make_staff(site, Role.SITE_MANAGER, "management"),
        "guard": make_staff(site, Role.DEPT_STAFF, "security"),
        "finance": make_staff(site, Role.FINANCE, "finance"),
    }
