"""Role-per-site predicates shared by pages and the API."""

from __future__ import annotations

import pytest

from estatedesk.org import roles
from estatedesk.org.enums import Role
from estatedesk.org.models import Membership

pytestmark = pytest.mark.django_db


def test_roles_are_held_per_site(site, other_site, make_staff) -> None:
    user = make_staff(site, Role.DISPATCHER)
    assert roles.has_role(user, site.pk, roles.DISPATCHERS)
    assert not roles.has_role(user, other_site.pk, roles.ALL_STAFF)
    assert user.has_perm("org.view_site", site)
    assert not user.has_perm("org.view_site", other_site)


def test_personal_data_only_for_cs_desk(site, make_staff) -> None:
    assistant = make_staff(site, Role.CS_ASSISTANT)
    plumber = make_staff(site, Role.DEPT_STAFF, "engineering")
    assert assistant.has_perm("org.view_resident_contact", site)
    assert not plumber.has_perm("org.view_resident_contact", site)


def test_import_needs_supervisor(site, make_staff) -> None:
    assert make_staff(site, Role.CS_SUPERVISOR).has_perm("org.import_units", site)
    assert make_staff(site, Role.SITE_MANAGER).has_perm("org.import_units", site)
    assert not make_staff(site, Role.CS_ASSISTANT).has_perm("org.import_units", site)


def test_inactive_membership_grants_nothing(site, make_staff) -> None:
    user = make_staff(site, Role.SITE_MANAGER)
    Membership.objects.filter(user=user).update(is_active=False)
    roles.forget_roles(user)
    assert not roles.has_role(user, site.pk, roles.ALL_STAFF)
    assert not user.has_perm("org.view_site", site)


def test_anonymous_has_no_roles(site) -> None:
    from django.contrib.auth.models import AnonymousUser

    assert roles.roles_by_site(AnonymousUser()) == {}
