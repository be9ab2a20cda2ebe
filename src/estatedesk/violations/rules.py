"""Who may do what on a violation case (VI-7, VI-9, VI-6, VI-10), shared by services, pages
and the API so a hidden button and a refused POST always agree."""

from __future__ import annotations

from typing import Any

import rules

from estatedesk.org import roles
from estatedesk.org.enums import Role
from estatedesk.violations.enums import CS_MEASURES, PENALTY_MEASURES, PERSUASION_MEASURES
from estatedesk.violations.selectors import settings_for_site

# VI-10: month-end charges are copied by the CS center and go to finance.
FINANCE_ROLES = frozenset({Role.FINANCE, Role.CS_SUPERVISOR, Role.SITE_MANAGER})
# Roles a site may add to the penalty authority (VI-9); the site manager always holds it.
OPTIONAL_PENALTY_ROLES = (Role.CS_SUPERVISOR, Role.DEPUTY_GM)


def penalty_roles_at(site_id: int) -> frozenset[str]:
    held = set(settings_for_site(site_id).penalty_roles or [])
    held.add(Role.SITE_MANAGER)
    return frozenset(held)


@rules.predicate
def is_case_staff(user: Any, case: Any) -> bool:
    """Every staff member of the case's site sees it and may persuade (VI-7, VI-9)."""
    return case is not None and roles.has_role(user, case.site_id, roles.ALL_STAFF)


@rules.predicate
def is_case_cs_desk(user: Any, case: Any) -> bool:
    """The CS center registers, issues the paper forms and executes decisions (VI-7, VI-10)."""
    return case is not None and roles.has_role(user, case.site_id, roles.CS_DESK)


@rules.predicate
def is_case_supervisor(user: Any, case: Any) -> bool:
    """CS supervisor or site manager: grade upgrades and resolution (VI-7)."""
    return case is not None and roles.has_role(user, case.site_id, roles.SUPERVISORS)


@rules.predicate
def may_decide_penalty(user: Any, case: Any) -> bool:
    """VI-9: only the roles the site allows (default: the site manager) decide penalties."""
    return case is not None and roles.has_role(user, case.site_id, penalty_roles_at(case.site_id))


@rules.predicate
def may_decide_cutoff(user: Any, case: Any) -> bool:
    """VI-6: a water/electricity cut-off is decided by the site manager himself."""
    return case is not None and roles.has_role(user, case.site_id, {Role.SITE_MANAGER})


@rules.predicate
def may_register_at_site(user: Any, site: Any) -> bool:
    return site is not None and roles.has_role(user, site.pk, roles.CS_DESK)


@rules.predicate
def may_export_finance(user: Any, site: Any) -> bool:
    return site is not None and roles.has_role(user, site.pk, FINANCE_ROLES)


@rules.predicate
def may_change_settings(user: Any, site: Any) -> bool:
    return site is not None and roles.has_role(user, site.pk, {Role.SITE_MANAGER})


def may_record_measure(user: Any, case: Any, kind: str) -> bool:
    """Persuasion: anyone at the site; written persuasion: the CS desk; the rest: penalties."""
    if kind in PERSUASION_MEASURES:
        return bool(is_case_staff(user, case))
    if kind in CS_MEASURES:
        return bool(is_case_cs_desk(user, case))
    if kind in PENALTY_MEASURES:
        return bool(may_decide_penalty(user, case))
    return False


rules.add_perm("violations.view_case", is_case_staff)
rules.add_perm("violations.persuade", is_case_staff)
rules.add_perm("violations.add_evidence", is_case_staff)
rules.add_perm("violations.issue_document", is_case_cs_desk)
rules.add_perm("violations.execute_decision", is_case_cs_desk)
rules.add_perm("violations.upgrade_case", is_case_supervisor)
rules.add_perm("violations.resolve_case", is_case_supervisor)
rules.add_perm("violations.decide_penalty", may_decide_penalty)
rules.add_perm("violations.decide_cutoff", may_decide_penalty & may_decide_cutoff)
rules.add_perm("violations.register_case", may_register_at_site)
rules.add_perm("violations.export_finance", may_export_finance)
rules.add_perm("violations.change_settings", may_change_settings)
