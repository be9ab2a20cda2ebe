"""Role groups and the per-request lookup of a user's roles by site.

Every page and endpoint asks these (through ``rules`` predicates) before it shows or changes
anything; a user without a membership at a site sees nothing of it.
"""

from __future__ import annotations

from typing import Any

from estatedesk.org.enums import Role

ALL_STAFF = frozenset(Role.values)
# The CS front desk: receives calls and visits, logs requests, may see residents' contacts (AR-3).
CS_DESK = frozenset({Role.CS_ASSISTANT, Role.DISPATCHER, Role.CS_SUPERVISOR, Role.SITE_MANAGER})
DISPATCHERS = frozenset({Role.DISPATCHER, Role.CS_SUPERVISOR, Role.SITE_MANAGER})
SUPERVISORS = frozenset({Role.CS_SUPERVISOR, Role.SITE_MANAGER})
MANAGERS = frozenset({Role.SITE_MANAGER, Role.AREA_MANAGER, Role.DEPUTY_GM, Role.GM})
EXECUTIVES = frozenset({Role.AREA_MANAGER, Role.DEPUTY_GM, Role.GM})
# Team leader and above (AR-3 accompanied archive access, approvals within a department).
LEADERS = frozenset(
    {
        Role.TEAM_LEADER,
        Role.DEPT_HEAD,
        Role.CS_SUPERVISOR,
        Role.SITE_MANAGER,
        Role.AREA_MANAGER,
        Role.DEPUTY_GM,
        Role.GM,
    }
)
WORKERS = frozenset({Role.DEPT_STAFF, Role.TEAM_LEADER, Role.DEPT_HEAD})
# Roles that may read a resident's full phone number and ID: the CS front desk only (AR-3).
PERSONAL_DATA = CS_DESK

_CACHE_ATTR = "_estatedesk_roles"


def roles_by_site(user: Any) -> dict[int, frozenset[str]]:
    """``{site_id: roles}`` for an authenticated staff user, cached on the user object."""
    if user is None or not getattr(user, "is_authenticated", False):
        return {}
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    from estatedesk.org.models import Membership

    result: dict[int, set[str]] = {}
    rows = Membership.objects.filter(user=user, is_active=True, site__is_active=True).values_list(
        "site_id", "role"
    )
    for site_id, role in rows:
        result.setdefault(site_id, set()).add(role)
    frozen = {site_id: frozenset(roles) for site_id, roles in result.items()}
    setattr(user, _CACHE_ATTR, frozen)
    return frozen


def forget_roles(user: Any) -> None:
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def roles_at(user: Any, site_id: int | None) -> frozenset[str]:
    if site_id is None:
        return frozenset()
    return roles_by_site(user).get(site_id, frozenset())


def has_role(user: Any, site_id: int | None, roles: frozenset[str] | set[str]) -> bool:
    return bool(roles_at(user, site_id) & roles)


def site_ids_with(user: Any, roles: frozenset[str] | set[str] = ALL_STAFF) -> list[int]:
    return sorted(site_id for site_id, held in roles_by_site(user).items() if held & roles)


def is_staff_member(user: Any) -> bool:
    return bool(roles_by_site(user))


def require_staff(user: Any) -> None:
    """Refuse a caller with no staff role anywhere (a resident, say) before a staff-only list
    answers it with an empty page: the answer is 403, as for every other staff-only call."""
    from estatedesk.core.errors import PermissionDenied

    if not is_staff_member(user):
        raise PermissionDenied()


def may_see_personal_data(user: Any, site_id: int | None) -> bool:
    return has_role(user, site_id, PERSONAL_DATA)
