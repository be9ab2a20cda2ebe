"""Reads of the organisation used by pages, the API and other apps."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from estatedesk.core.errors import NotFound
from estatedesk.org import roles
from estatedesk.org.models import Membership, Resident, Site


def sites_for_user(user: Any, role_set: frozenset[str] = roles.ALL_STAFF) -> QuerySet[Site]:
    return Site.objects.filter(pk__in=roles.site_ids_with(user, role_set)).order_by("code")


def get_site_for_user(user: Any, site_id: int, role_set: frozenset[str] = roles.ALL_STAFF) -> Site:
    """The site if the user holds one of ``role_set`` there; otherwise 404 (ids cannot be probed)."""
    if not roles.has_role(user, site_id, role_set):
        raise NotFound()
    return Site.objects.get(pk=site_id)


def residents_by_phone(*, site_ids: list[int], phone: str) -> QuerySet[Resident]:
    """Residents whose phone starts with the typed digits, with their units (intake lookup)."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if len(digits) < 4:
        return Resident.objects.none()
    return (
        Resident.objects.filter(site_id__in=site_ids, phone__startswith=digits)
        .prefetch_related("occupancies__unit__building")
        .order_by("name")[:20]
    )


def staff_with_role(*, site: Site, role_set: frozenset[str]) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(
            site=site, role__in=role_set, is_active=True, user__is_active=True
        )
        .select_related("user", "department")
        .order_by("role", "user__username")
    )
