"""factory_boy factories for the organisation, shared by every app's tests."""

from __future__ import annotations

from typing import Any

import factory
from django.contrib.auth import get_user_model

from estatedesk.org.enums import DepartmentKind, Relation
from estatedesk.org.models import (
    Building,
    Company,
    Department,
    ExternalParty,
    Membership,
    Occupancy,
    PublicPlace,
    Resident,
    Site,
    Unit,
)


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company
        django_get_or_create = ["code"]

    code = "TEST"
    name = "测试物业"


def _site_code(n: int) -> str:
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return "T" + letters[(n // 26) % 26] + letters[n % 26]


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site

    company = factory.SubFactory(CompanyFactory)
    code = factory.Sequence(_site_code)
    name = factory.Sequence(lambda n: f"测试花园{n}")


class BuildingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Building

    site = factory.SubFactory(SiteFactory)
    name = factory.Sequence(lambda n: f"{n + 1}栋")
    floors = 18


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    building = factory.SubFactory(BuildingFactory)
    site = factory.SelfAttribute("building.site")
    floor = 12
    number = factory.Sequence(lambda n: f"{1201 + n}")


class PublicPlaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PublicPlace

    site = factory.SubFactory(SiteFactory)
    name = factory.Sequence(lambda n: f"公共区域{n}")


class ResidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resident
        skip_postgeneration_save = True

    site = factory.SubFactory(SiteFactory)
    name = factory.Sequence(lambda n: f"住户{n}")
    phone = factory.Sequence(lambda n: f"139{n:08d}")
    id_number = factory.Sequence(lambda n: f"44030119900101{n:04d}")

    @factory.post_generation
    def unit(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if not create:
            return
        unit = extracted or UnitFactory(building=BuildingFactory(site=self.site))
        Occupancy.objects.create(resident=self, unit=unit, relation=Relation.OWNER)


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ["site", "kind"]

    site = factory.SubFactory(SiteFactory)
    kind = DepartmentKind.ENGINEERING
    name = factory.LazyAttribute(lambda o: str(DepartmentKind(o.kind).label))


class ExternalPartyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExternalParty

    site = factory.SubFactory(SiteFactory)
    kind = "broadband"
    name = "测试宽带"
    committed_response_hours = 24


_counter = {"n": 0}


def make_staff(
    site: Site,
    role: str,
    department_kind: str | None = None,
    username: str | None = None,
    password: str = "pass-for-tests-1",
) -> Any:
    """A user holding ``role`` at ``site`` (in ``department_kind`` when given)."""
    _counter["n"] += 1
    user = get_user_model().objects.create_user(
        username or f"{role}{_counter['n']}", password=password, first_name=role
    )
    department = DepartmentFactory(site=site, kind=department_kind) if department_kind else None
    Membership.objects.create(user=user, site=site, role=role, department=department)
    return user
