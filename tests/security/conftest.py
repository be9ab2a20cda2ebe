"""The demo-like site of the security tests, built once per module and rolled back after it.

``world`` holds the demo site 示例花园 with every app's demo data, plus: a ticket of a resident
whose free-text fields carry XSS and spreadsheet-formula payloads (with a public note, a duty-log
entry and a suggestion carrying them too), a resident of another unit, another site with its
own manager, a signed-in user and an API token for every principal.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from tests.security import matrix


class World:
    def __init__(self) -> None:
        self.site: Any = None
        self.other_site: Any = None
        self.ticket: Any = None
        self.resident: Any = None
        self.other_resident: Any = None
        self.principals: dict[str, matrix.Principal] = {}
        self.personal: set[str] = set()
        self.media: Path = Path()


def _build() -> World:
    from estatedesk.core import clock
    from estatedesk.duty.enums import LogEntryKind
    from estatedesk.duty.services import log_entry_append
    from estatedesk.org import roles
    from estatedesk.org.enums import DepartmentKind, Role
    from estatedesk.org.models import Membership, Resident, Site
    from estatedesk.org.services import api_token_create
    from estatedesk.org.tests.factories import ResidentFactory, SiteFactory, make_staff
    from estatedesk.portal.services import resident_user, suggestion_create
    from estatedesk.tickets import services
    from estatedesk.tickets.enums import Channel, TicketKind

    world = World()
    call_command("demo", stdout=io.StringIO())
    site = world.site = Site.objects.get(code="SF")
    users: dict[str, Any] = {}
    for role in Role.values:
        membership = (
            Membership.objects.filter(site=site, role=role, is_active=True)
            .select_related("user")
            .order_by("pk")
            .first()
        )
        users[role] = membership.user if membership else make_staff(site, role)
    resident = world.resident = (
        Resident.objects.filter(site=site, occupancies__isnull=False).order_by("pk").first()
    )
    unit = resident.occupancies.first().unit
    world.other_resident = (
        Resident.objects.filter(site=site)
        .exclude(pk=resident.pk)
        .exclude(occupancies__unit=unit)
        .order_by("pk")
        .first()
    )
    desk = users[Role.CS_ASSISTANT]
    ticket = world.ticket = services.ticket_create(
        site=site,
        actor=desk,
        kind=TicketKind.REPAIR,
        channel=Channel.HOTLINE,
        description=matrix.XSS_TEXT,
        reporter_name=f"张{matrix.XSS_IMG}",
        reporter_phone=resident.phone,
        unit=unit,
        resident=resident,
        location_text=matrix.FORMULA,
        people_involved=matrix.XSS_SCRIPT,
    )
    services.ticket_create(
        site=site,
        actor=desk,
        kind=TicketKind.CONSULTATION,
        channel=Channel.VISIT,
        description=matrix.FORMULA,
        reporter_name="@SUM(1+1)",
        reporter_phone=resident.phone,
        resident=resident,
        unit=unit,
    )
    services.note_add(ticket_id=ticket.pk, actor=desk, body=matrix.XSS_TEXT, is_public=True)
    log_entry_append(
        site=site, kind=LogEntryKind.CALL, text=matrix.XSS_TEXT, actor=users[Role.DISPATCHER]
    )
    resident.user = resident_user(resident=resident)
    suggestion_create(actor=resident.user, body=matrix.XSS_TEXT)
    other_user = resident_user(resident=world.other_resident)
    world.other_site = SiteFactory(code="XO", name="别的花园")
    ResidentFactory(site=world.other_site)
    outsider = make_staff(world.other_site, Role.SITE_MANAGER, DepartmentKind.MANAGEMENT)

    world.personal = {
        value
        for row in Resident.objects.filter(site=site).values_list("phone", "id_number")
        for value in row
        if value and len(value) >= 7
    }
    own = {resident.phone, resident.id_number}

    def principal(name: str, user: Any, forbidden: set[str]) -> matrix.Principal:
        token = ""
        if user is not None:
            _row, token = api_token_create(user=user, name="matrix", actor=user)
        return matrix.Principal(name, user, token, frozenset(forbidden))

    world.principals[matrix.ANONYMOUS] = principal(matrix.ANONYMOUS, None, world.personal)
    for role, user in users.items():
        may_see = role in roles.PERSONAL_DATA
        world.principals[role] = principal(role, user, set() if may_see else world.personal)
    world.principals[matrix.RESIDENT] = principal(
        matrix.RESIDENT, resident.user, world.personal - own
    )
    world.principals[matrix.OTHER_RESIDENT] = principal(
        matrix.OTHER_RESIDENT, other_user, world.personal
    )
    world.principals[matrix.OTHER_SITE] = principal(matrix.OTHER_SITE, outsider, world.personal)
    assert clock.now() is not None
    return world


@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any) -> Iterator[World]:
    """Built in one transaction that is rolled back when the module is done: the rows never
    reach the other tests of the worker."""
    media = tempfile.mkdtemp(prefix="estatedesk-security-")
    with (
        django_db_blocker.unblock(),
        override_settings(
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            MEDIA_ROOT=Path(media),
        ),
        transaction.atomic(),
    ):
        cache.clear()
        built = _build()
        built.media = Path(media)
        yield built
        transaction.set_rollback(True)
    cache.clear()
