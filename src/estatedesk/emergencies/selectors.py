"""Reads of the emergencies app used by pages, the API, jobs and the duty handover.

Every fetch for a user is scoped to the sites where they hold a role; a miss is 404 (NotFound)
so case ids cannot be probed. Any staff member of the site may open an emergency's page: the
paged leaders and the responders work from it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Prefetch, Q, QuerySet

from estatedesk.core import events
from estatedesk.core.errors import NotFound
from estatedesk.duty.selectors import on_call_for
from estatedesk.emergencies.enums import CaseState, PageOutcome, ResponderStatus
from estatedesk.emergencies.models import (
    EmergencyCase,
    EmergencyCaseQuerySet,
    EscalationChain,
    EscalationLevel,
    Instruction,
    Page,
    PageRecipient,
    Playbook,
    Responder,
    StepRecord,
)
from estatedesk.org import roles
from estatedesk.org.enums import DepartmentKind, Role
from estatedesk.org.models import Membership, Site
from estatedesk.tickets import timeline as ticket_timeline

LIST_RELATED = ("ticket", "site", "opened_by", "taken_over_by", "acknowledged_by")


def person_name(user: Any) -> str:
    """Chinese names are stored whole in ``first_name`` (org demo); else the username."""
    if user is None:
        return ""
    return (user.get_full_name() or "").strip() or user.get_username()


# --- configuration ------------------------------------------------------------------------------


def chain_for(site: Site) -> EscalationChain | None:
    """The site's own active chain, else the company default (EM-2)."""
    own = EscalationChain.objects.filter(site=site, is_active=True).first()
    if own is not None:
        return own
    return EscalationChain.objects.filter(site__isnull=True, is_active=True).first()


def chain_levels(site: Site) -> list[EscalationLevel]:
    chain = chain_for(site)
    return list(chain.levels.order_by("position")) if chain is not None else []


def playbook_for(site: Site, kind: str) -> Playbook | None:
    """The site's own active playbook of ``kind``, else the company default (EM-6, EM-7)."""
    rows = list(
        Playbook.objects.filter(kind=kind, is_active=True).filter(
            Q(site=site) | Q(site__isnull=True)
        )
    )
    own = [p for p in rows if p.site_id == site.pk]
    return own[0] if own else next((p for p in rows if p.site_id is None), None)


@dataclass(frozen=True)
class Contact:
    user: Any
    phone: str
    source: str  # "list": the duty on-call list; "membership": the role holders at the site


def recipients_for(site: Site, role: str, at: dt.datetime) -> list[Contact]:
    """Whom a level of ``role`` pages (EM-2): the duty app's on-call list for that role at
    ``at`` (DT-7; it falls back to the role holders itself), else - for roles the on-call list
    does not keep, such as the deputy GM and the GM - the active holders of ``role`` at the
    site (org Membership)."""
    try:
        on_call = on_call_for(site, role, at)
    except ValueError:
        on_call = []
    if on_call:
        return [Contact(c.user, c.phone, c.source) for c in on_call]
    members = (
        Membership.objects.filter(site=site, role=role, is_active=True, user__is_active=True)
        .select_related("user")
        .order_by("user__username")
    )
    seen: dict[int, Contact] = {}
    for member in members:
        seen.setdefault(member.user_id, Contact(member.user, "", "membership"))
    return list(seen.values())


# --- cases --------------------------------------------------------------------------------------


def visible_cases(user: Any) -> EmergencyCaseQuerySet:
    return EmergencyCase.objects.filter(site_id__in=roles.site_ids_with(user))


def get_case_for_user(user: Any, pk: int) -> EmergencyCase:
    case = (
        visible_cases(user)
        .select_related(
            *LIST_RELATED,
            "settled_by",
            "signed_off_by",
            "playbook",
            "ticket__unit__building",
            "ticket__place",
            "ticket__department",
            "ticket__assignee",
        )
        .filter(pk=pk)
        .first()
    )
    if case is None:
        raise NotFound()
    return case


def case_list(
    user: Any, *, scope: str = "unsigned", site_id: int | None = None
) -> QuerySet[EmergencyCase]:
    """Cases of the user's sites: ``unsigned`` (open or settled, not signed off), ``closed``
    or ``all``; newest first, with what a list row shows (no query per row)."""
    rows = visible_cases(user)
    if scope == "unsigned":
        rows = rows.unsigned()
    elif scope == "closed":
        rows = rows.filter(state=CaseState.CLOSED)
    if site_id is not None:
        rows = rows.filter(site_id=site_id)
    return rows.select_related(*LIST_RELATED, "ticket__unit__building", "ticket__place").order_by(
        "-opened_at", "-pk"
    )


def unsigned_count(site_ids: list[int]) -> int:
    return EmergencyCase.objects.filter(site_id__in=site_ids).unsigned().count()


def awaiting_sign_off(site_ids: list[int]) -> QuerySet[EmergencyCase]:
    return EmergencyCase.objects.filter(site_id__in=site_ids, state=CaseState.SETTLED)


def waiting_pages_for(user: Any) -> QuerySet[Page]:
    """Pages still waiting for ``user``'s acknowledgement (inbox card, the case page)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Page.objects.none()
    return (
        Page.objects.filter(outcome=PageOutcome.WAITING, recipients__user=user)
        .select_related("case__ticket")
        .order_by("due_at")
    )


def get_page_for_user(user: Any, page_id: int) -> Page:
    page = (
        Page.objects.filter(pk=page_id, case__site_id__in=roles.site_ids_with(user))
        .select_related("case__ticket", "case__site")
        .first()
    )
    if page is None:
        raise NotFound()
    return page


def get_responder_for_user(user: Any, responder_id: int) -> Responder:
    responder = (
        Responder.objects.filter(pk=responder_id, case__site_id__in=roles.site_ids_with(user))
        .select_related("case__ticket", "case__site", "user")
        .first()
    )
    if responder is None:
        raise NotFound()
    return responder


def get_step_for_user(user: Any, case: EmergencyCase, record_id: int) -> StepRecord:
    record = StepRecord.objects.filter(pk=record_id, case=case).first()
    if record is None or case.site_id not in roles.site_ids_with(user):
        raise NotFound()
    return record


# --- the case board -----------------------------------------------------------------------------


@dataclass
class Board:
    """Everything the emergency page shows, loaded with a fixed number of queries."""

    case: EmergencyCase
    pages: list[Page]
    steps: list[StepRecord]
    responders: list[Responder]
    instructions: list[Instruction]
    by_status: dict[str, list[Responder]] = field(default_factory=dict)

    @property
    def visible_steps(self) -> list[StepRecord]:
        """Common steps and those of the chosen branch (no branch's steps until one is chosen)."""
        return [s for s in self.steps if not s.branch or s.branch == self.case.branch]

    @property
    def open_instructions(self) -> list[Instruction]:
        return [i for i in self.instructions if i.ticket.is_active]


def board(case: EmergencyCase) -> Board:
    pages = list(
        case.pages.prefetch_related(
            Prefetch("recipients", queryset=PageRecipient.objects.select_related("user"))
        ).select_related("acknowledged_by", "ack_recorded_by")
    )
    steps = list(case.steps.select_related("done_by"))
    responders = list(case.responders.select_related("user"))
    instructions = list(case.instructions.select_related("ticket", "owner", "given_by"))
    by_status: dict[str, list[Responder]] = {status: [] for status in ResponderStatus.values}
    for responder in responders:
        by_status[responder.status].append(responder)
    return Board(
        case=case,
        pages=pages,
        steps=steps,
        responders=responders,
        instructions=instructions,
        by_status=by_status,
    )


# How the emergency's own audit events read on its timeline.
LABELS: dict[str, str] = {
    "emergency.opened": "启动紧急事件",
    "emergency.paged": "呼叫",
    "emergency.level_skipped": "无人可呼叫，越级",
    "emergency.escalated": "超时未确认，越级呼叫",
    "emergency.chain_exhausted": "各级均未确认",
    "emergency.acknowledged": "确认收到",
    "emergency.reported_up": "主管决定上报经理",
    "emergency.supervisor_told": "报告客服主管",
    "emergency.step_done": "预案步骤",
    "emergency.responders_notified": "通知责任人",
    "emergency.responder_status": "责任人反馈",
    "emergency.instruction_created": "领导指示立项",
    "emergency.instruction_overdue": "领导指示逾期",
    "emergency.taken_over": "接手",
    "emergency.settled": "事件平息",
    "emergency.signed_off": "经理签字结案",
}
ICONS: dict[str, str] = {
    "emergency.opened": "exclamation-octagon",
    "emergency.paged": "broadcast",
    "emergency.escalated": "arrow-up-circle",
    "emergency.level_skipped": "skip-forward",
    "emergency.chain_exhausted": "exclamation-triangle",
    "emergency.acknowledged": "check2-circle",
    "emergency.supervisor_told": "person-badge",
    "emergency.reported_up": "arrow-up-circle",
    "emergency.instruction_overdue": "alarm",
    "emergency.step_done": "check2-square",
    "emergency.responders_notified": "people",
    "emergency.responder_status": "person-walking",
    "emergency.instruction_created": "clipboard-plus",
    "emergency.taken_over": "arrow-left-right",
    "emergency.settled": "shield-check",
    "emergency.signed_off": "pen",
}


def timeline(case: EmergencyCase) -> list[ticket_timeline.Entry]:
    """The ticket's audit events, newest first: the emergency's own verbs read with their
    note, the ticket's through the tickets timeline."""
    result = []
    for event in events.for_subject(case.ticket).select_related("actor"):
        if event.verb in LABELS:
            data = event.data or {}
            result.append(
                ticket_timeline.Entry(
                    at=event.occurred_at,
                    actor=event.actor_label,
                    label=LABELS[event.verb],
                    text=str(data.get("note") or ""),
                    icon=ICONS.get(event.verb, "dot"),
                    verb=event.verb,
                )
            )
        elif event.verb.startswith(("ticket.", "clock.")):
            result.extend(ticket_timeline.entries([event], for_resident=False, confidential=False))
    result.reverse()
    return result


# --- people -------------------------------------------------------------------------------------

RESPONDER_ROLES = frozenset({Role.DEPT_HEAD, Role.TEAM_LEADER, Role.CS_SUPERVISOR})
RESPONDER_DEPARTMENTS = (
    DepartmentKind.SECURITY,
    DepartmentKind.ENGINEERING,
    DepartmentKind.CLEANING,
    DepartmentKind.CUSTOMER_SERVICE,
)


@dataclass(frozen=True)
class Candidate:
    user: Any
    duty: str


def responder_candidates(site: Site) -> list[Candidate]:
    """The people responsible an emergency's dispatcher notifies in one action (EM-3): heads and
    team leaders of security, engineering (maintenance, elevators), cleaning and the CS
    supervisor, security department first. One query."""
    members = (
        Membership.objects.filter(
            site=site, role__in=RESPONDER_ROLES, is_active=True, user__is_active=True
        )
        .select_related("user", "department")
        .order_by("user__username")
    )
    order: dict[str, int] = {kind: index for index, kind in enumerate(RESPONDER_DEPARTMENTS)}
    found: dict[int, Candidate] = {}
    ranked = sorted(
        members,
        key=lambda m: (
            order.get(m.department.kind if m.department else "", len(order)),
            m.role != Role.DEPT_HEAD,
            m.user.username,
        ),
    )
    for member in ranked:
        found.setdefault(member.user_id, Candidate(member.user, _duty(member)))
    return list(found.values())


def _duty(member: Membership) -> str:
    """保安部主管, 工程维修部班长, 客服中心主管 ..."""
    department = member.department.name if member.department else ""
    if department and member.role == Role.DEPT_HEAD:
        return f"{department}主管"
    if department and member.role == Role.TEAM_LEADER:
        return f"{department}班长"
    return str(member.get_role_display())


def site_staff(site: Site, role_set: frozenset[str] = roles.ALL_STAFF) -> QuerySet[Any]:
    user_ids = Membership.objects.filter(
        site=site, role__in=role_set, is_active=True, user__is_active=True
    ).values_list("user_id", flat=True)
    return get_user_model().objects.filter(pk__in=user_ids).order_by("username")


def leaders(site: Site) -> QuerySet[Any]:
    """Who gives instructions (EM-5): the site's managers and company leaders, CS supervisor."""
    return site_staff(site, roles.MANAGERS | roles.SUPERVISORS)


def owners(site: Site) -> QuerySet[Any]:
    """Who may own an instruction's sub-ticket: staff with a department at the site (the
    sub-ticket is dispatched to it, RQ-4)."""
    user_ids = Membership.objects.filter(
        site=site, is_active=True, user__is_active=True, department__isnull=False
    ).values_list("user_id", flat=True)
    return get_user_model().objects.filter(pk__in=user_ids).order_by("username")


def owner_department_id(site: Site, user: Any) -> int | None:
    return (
        Membership.objects.filter(site=site, user=user, is_active=True, department__isnull=False)
        .order_by("pk")
        .values_list("department_id", flat=True)
        .first()
    )
