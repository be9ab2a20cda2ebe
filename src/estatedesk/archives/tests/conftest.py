"""Fixtures of the archives tests: a unit with its owner, and staff in the roles AR-3 names."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image

from estatedesk.archives import services
from estatedesk.archives.enums import DocumentKind
from estatedesk.org.enums import DepartmentKind, Relation, Role
from estatedesk.org.models import Occupancy
from estatedesk.org.tests.factories import ResidentFactory, UnitFactory

OWNER_PHONE = "13912345678"


def png_bytes(width: int = 120, height: int = 80, color: str = "navy") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, format="PNG")
    return out.getvalue()


def pdf_bytes() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )


@pytest.fixture
def unit(site: Any) -> Any:
    return UnitFactory(building__site=site)


@pytest.fixture
def owner(site: Any, unit: Any) -> Any:
    return ResidentFactory(site=site, unit=unit, phone=OWNER_PHONE, name="张业主")


@pytest.fixture
def desk(site: Any, make_staff: Any) -> Any:
    return make_staff(site, Role.CS_ASSISTANT, DepartmentKind.CUSTOMER_SERVICE)


@pytest.fixture
def desk2(site: Any, make_staff: Any) -> Any:
    return make_staff(site, Role.DISPATCHER, DepartmentKind.CUSTOMER_SERVICE)


@pytest.fixture
def leader(site: Any, make_staff: Any) -> Any:
    return make_staff(site, Role.TEAM_LEADER, DepartmentKind.ENGINEERING)


@pytest.fixture
def worker(site: Any, make_staff: Any) -> Any:
    return make_staff(site, Role.DEPT_STAFF, DepartmentKind.ENGINEERING)


@pytest.fixture
def manager(site: Any, make_staff: Any) -> Any:
    return make_staff(site, Role.SITE_MANAGER, DepartmentKind.MANAGEMENT)


@pytest.fixture
def document(unit: Any, desk: Any) -> Any:
    return services.document_upload(
        unit=unit,
        kind=DocumentKind.COVENANT,
        title="业主规约",
        file=io.BytesIO(png_bytes()),
        name="covenant.png",
        actor=desk,
    )


@pytest.fixture
def tenant(site: Any, unit: Any) -> Any:
    resident = ResidentFactory(site=site, unit=UnitFactory(building__site=site), name="李租户")
    Occupancy.objects.create(resident=resident, unit=unit, relation=Relation.TENANT)
    return resident
