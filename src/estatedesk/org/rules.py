"""Object predicates for the organisation, shared by pages and the API."""

from __future__ import annotations

from typing import Any

import rules

from estatedesk.org import roles


@rules.predicate
def is_site_staff(user: Any, site: Any) -> bool:
    return site is not None and roles.has_role(user, site.pk, roles.ALL_STAFF)


@rules.predicate
def is_site_cs_desk(user: Any, site: Any) -> bool:
    return site is not None and roles.has_role(user, site.pk, roles.CS_DESK)


@rules.predicate
def is_site_supervisor(user: Any, site: Any) -> bool:
    return site is not None and roles.has_role(user, site.pk, roles.SUPERVISORS)


@rules.predicate
def is_site_manager(user: Any, site: Any) -> bool:
    return site is not None and roles.has_role(user, site.pk, roles.MANAGERS)


@rules.predicate
def may_see_personal_data(user: Any, site: Any) -> bool:
    return site is not None and roles.may_see_personal_data(user, site.pk)


rules.add_perm("org.view_site", is_site_staff)
rules.add_perm("org.import_units", is_site_supervisor)
rules.add_perm("org.view_resident_contact", may_see_personal_data)
rules.add_perm("org.view_resident", is_site_cs_desk)
