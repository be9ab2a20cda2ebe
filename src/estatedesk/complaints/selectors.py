"""Reads of complaints used by pages, the API, jobs and home cards.

Every fetch is scoped to the sites where the user holds a role; a miss is 404 (NotFound), never
403, so ids cannot be probed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from estatedesk.complaints import clocks
from estatedesk.complaints.enums import CapaState, ExtensionState, Stage, SummaryState
from estatedesk.complaints.models import (
    Complaint,
    ComplaintSettings,
    CorrectiveAction,
    ExtensionRequest,
    MonthlyComplaintSummary,
    ReturnVisit,
    WeeklyComplaintReport,
)
from estatedesk.core import events
from estatedesk.core.errors import NotFound
from estatedesk.core.models import Event
from estatedesk.org import roles
from estatedesk.org.enums import Role
from estatedesk.org.models import Membership
from estatedesk.sla.models import Clock
from estatedesk.tickets.enums import ACTIVE_STATES, TicketKind
from estatedesk.tickets.models import Ticket

LIST_RELATED = (
    "site",
    "ticket",
    "ticket__unit__building",
    "ticket__place",
    "department",
)
REVIEW_ROLES = roles.MANAGERS | roles.SUPERVISORS | {Role.QUALITY}
SUMMARY_ROLES = roles.DISPATCHERS | roles.MANAGERS | {Role.QUALITY}
CAPA_ROLES = roles.SUPERVISORS | roles.MANAGERS | {Role.QUALITY, Role.DEPT_HEAD, Role.TEAM_LEADER}


def settings_for(site_id: int) -> ComplaintSettings:
    """The site's CP-3 settings, or the defaults when it has none (not saved)."""
    found = ComplaintSettings.objects.filter(site_id=site_id).first()
    return found or ComplaintSettings(site_id=site_id)


def visible_complaints(user: Any) -> QuerySet[Complaint]:
    return Complaint.objects.filter(site_id__in=roles.site_ids_with(user))


def get_complaint_for_user(user: Any, pk: int) -> Complaint:
    complaint = (
        visible_complaints(user)
        .select_related(
            *LIST_RELATED,
            "ticket__resident",
            "ticket__receiver",
            "ticket__department",
            "form_signed_by",
            "reported_to",
            "answered_by",
            "handled_by",
            "form_returned_by",
            "told_by",
        )
        .prefetch_related("extensions__requested_by", "extensions__decided_by")
        .filter(pk=pk)
        .first()
    )
    if complaint is None:
        raise NotFound()
    return complaint


@dataclass(frozen=True)
class ComplaintFilters:
    site_id: int | None = None
    severity: str = ""
    validity: str = ""
    stage: str = ""
    todo: str = ""
    q: str = ""


TODO_FILTERS: dict[str, Q] = {
    # waiting for the complained department's signature (CP-6)
    "sign": Q(stage=Stage.FORM_SENT),
    # an extension request waiting for its approver (CP-7)
    "extension": Q(extensions__state=ExtensionState.PENDING),
    # handled, the form or the complainant still waiting (CP-8)
    "tell": Q(stage__in=[Stage.HANDLED, Stage.RETURNED, Stage.REFERRED, Stage.INVALID]),
    # return visit due (CP-9)
    "visit": Q(return_visit__isnull=False, return_visit__done_at__isnull=True),
    # corrective and preventive action report not yet closed (CP-10)
    "capa": Q(capa__isnull=False) & ~Q(capa__state=CapaState.CLOSED),
    # automatically upgraded (CP-3)
    "upgraded": Q(upgraded_at__isnull=False),
}


def complaint_list(user: Any, filters: ComplaintFilters) -> QuerySet[Complaint]:
    """The filtered list, newest first, with everything a row shows joined (no N+1)."""
    qs = visible_complaints(user).select_related(*LIST_RELATED)
    if filters.site_id:
        qs = qs.filter(site_id=filters.site_id)
    if filters.severity:
        qs = qs.filter(severity=filters.severity)
    if filters.validity:
        qs = qs.filter(validity=filters.validity)
    if filters.stage == "open":
        qs = qs.exclude(stage=Stage.CLOSED).filter(ticket__state__in=ACTIVE_STATES)
    elif filters.stage:
        qs = qs.filter(stage=filters.stage)
    if filters.todo in TODO_FILTERS:
        qs = qs.filter(TODO_FILTERS[filters.todo])
    if filters.q:
        text = filters.q.strip()
        qs = qs.filter(
            Q(ticket__number__icontains=text)
            | Q(ticket__reporter_name__icontains=text)
            | Q(ticket__reporter_phone__contains=text)
            | Q(ticket__description__icontains=text)
            | Q(complained_person__icontains=text)
        )
    return qs.order_by("-received_at", "-id")


def unregistered_tickets(user: Any) -> QuerySet[Ticket]:
    """CP-11: complaint tickets that arrived by letter, the portal or the general intake and
    have no complaint record yet, for the CS desk to complete."""
    site_ids = roles.site_ids_with(user, roles.CS_DESK)
    return (
        Ticket.objects.filter(
            site_id__in=site_ids,
            kind=TicketKind.COMPLAINT,
            state__in=ACTIVE_STATES,
            complaint__isnull=True,
        )
        .select_related("site", "unit__building", "place")
        .order_by("received_at", "id")
    )


def get_unregistered_ticket_for_user(user: Any, pk: int) -> Ticket:
    ticket = unregistered_tickets(user).filter(pk=pk).first()
    if ticket is None:
        raise NotFound()
    return ticket


def complaint_clocks(complaint: Complaint) -> list[Clock]:
    """The complaint's own clocks (CP-5..CP-9), earliest deadline first."""
    return list(
        Clock.objects.filter(ticket_id=complaint.ticket_id, kind__in=clocks.ALL_KINDS)
        .select_related("met_by", "policy")
        .order_by("started_at", "pk")
    )


def running_clock(complaint: Complaint, kinds: tuple[str, ...]) -> Clock | None:
    return (
        Clock.objects.running()
        .filter(ticket_id=complaint.ticket_id, kind__in=kinds)
        .order_by("due_at", "pk")
        .first()
    )


def handling_clock(complaint: Complaint) -> Clock | None:
    """The running clock by which the complaint must be resolved (CP-5/CP-7)."""
    return running_clock(complaint, clocks.HANDLING_KINDS)


def timeline(complaint: Complaint) -> list[Event]:
    """The ticket's events (intake, form cycle, upgrades) and the CAPA report's, oldest first."""
    rows = list(events.for_subject(complaint.ticket).select_related("actor"))
    capa = CorrectiveAction.objects.filter(complaint=complaint).first()
    if capa is not None:
        rows.extend(events.for_subject(capa).select_related("actor"))
    return sorted(rows, key=lambda e: (e.occurred_at, e.pk))


def users_with_roles(
    site_id: int, role_set: frozenset[str] | set[str], *, department_id: int | None = None
) -> list[Any]:
    """Active users holding one of ``role_set`` at the site (in the department if given)."""
    rows = Membership.objects.filter(
        site_id=site_id, role__in=role_set, is_active=True, user__is_active=True
    )
    if department_id is not None:
        rows = rows.filter(department_id=department_id)
    seen: dict[int, Any] = {}
    for membership in rows.select_related("user").order_by("user_id"):
        seen.setdefault(membership.user_id, membership.user)
    return list(seen.values())


def department_recipients(site_id: int, department_id: int | None) -> list[Any]:
    """CP-6: who receives the complaint form: the department's leaders, else all its staff."""
    if department_id is None:
        return []
    leaders = users_with_roles(
        site_id, {Role.DEPT_HEAD, Role.TEAM_LEADER}, department_id=department_id
    )
    return leaders or users_with_roles(site_id, roles.ALL_STAFF, department_id=department_id)


def site_staff_choices(site_id: int) -> list[Any]:
    """Staff a CAPA can name as owner: active members of the site, executives excluded."""
    return users_with_roles(site_id, roles.ALL_STAFF - roles.EXECUTIVES)


def get_extension_for_user(user: Any, pk: int) -> ExtensionRequest:
    found = (
        ExtensionRequest.objects.filter(pk=pk, site_id__in=roles.site_ids_with(user))
        .select_related("complaint", "complaint__ticket", "requested_by")
        .first()
    )
    if found is None:
        raise NotFound()
    return found


def pending_extensions(user: Any) -> QuerySet[ExtensionRequest]:
    """Requests this user may decide (index extension_pending)."""
    held = roles.roles_by_site(user)
    query = Q(pk__in=[])
    for site_id, site_roles in held.items():
        approvable = []
        if site_roles & {Role.CS_SUPERVISOR, Role.SITE_MANAGER}:
            approvable.append(Role.CS_SUPERVISOR)
        if Role.SITE_MANAGER in site_roles:
            approvable.append(Role.SITE_MANAGER)
        if approvable:
            query |= Q(site_id=site_id, approver_role__in=approvable)
    return (
        ExtensionRequest.objects.filter(query, state=ExtensionState.PENDING)
        .select_related("complaint__ticket", "requested_by")
        .order_by("requested_at", "id")
    )


def get_capa_for_user(user: Any, pk: int) -> CorrectiveAction:
    found = (
        CorrectiveAction.objects.filter(pk=pk, site_id__in=roles.site_ids_with(user))
        .select_related("complaint", "complaint__ticket", "owner", "filed_by", "verified_by")
        .first()
    )
    if found is None:
        raise NotFound()
    return found


def capa_list(user: Any, *, state: str = "") -> QuerySet[CorrectiveAction]:
    qs = CorrectiveAction.objects.filter(site_id__in=roles.site_ids_with(user, CAPA_ROLES))
    if state:
        qs = qs.filter(state=state)
    return qs.select_related("site", "complaint__ticket", "owner").order_by("-filed_at", "-id")


def open_return_visits(site_ids: list[int]) -> QuerySet[ReturnVisit]:
    return (
        ReturnVisit.objects.filter(site_id__in=site_ids, done_at__isnull=True)
        .select_related("complaint__ticket")
        .order_by("due_at", "id")
    )


def weekly_reports(user: Any) -> QuerySet[WeeklyComplaintReport]:
    return (
        WeeklyComplaintReport.objects.filter(site_id__in=roles.site_ids_with(user, REVIEW_ROLES))
        .select_related("site", "quality_check")
        .order_by("-saturday", "site__code")
    )


def get_weekly_report_for_user(user: Any, pk: int) -> WeeklyComplaintReport:
    found = (
        weekly_reports(user)
        .select_related("quality_check__checked_by")
        .prefetch_related("quality_check__complaints__ticket")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise NotFound()
    return found


def monthly_summaries(user: Any) -> QuerySet[MonthlyComplaintSummary]:
    return (
        MonthlyComplaintSummary.objects.filter(site_id__in=roles.site_ids_with(user, SUMMARY_ROLES))
        .select_related("site", "submitted_by", "signed_by")
        .order_by("-month", "site__code")
    )


def get_monthly_summary_for_user(user: Any, pk: int) -> MonthlyComplaintSummary:
    found = monthly_summaries(user).filter(pk=pk).first()
    if found is None:
        raise NotFound()
    return found


def recent_for_quality_check(report: WeeklyComplaintReport) -> QuerySet[Complaint]:
    """The week's complaints a manager may sample for the DS-7 quality check."""
    return (
        Complaint.objects.filter(
            site_id=report.site_id,
            received_at__gte=report.period_start,
            received_at__lt=report.period_end,
        )
        .select_related("ticket")
        .order_by("received_at", "id")
    )


# --- home cards -------------------------------------------------------------------------------


def awaiting_signature(user: Any) -> int:
    """Complaint forms waiting for the signature of a department the user works in (CP-6)."""
    department_ids = list(
        Membership.objects.filter(
            user=user, is_active=True, department__isnull=False, role__in=roles.WORKERS
        ).values_list("department_id", flat=True)
    )
    if not department_ids:
        return 0
    return Complaint.objects.filter(
        stage=Stage.FORM_SENT, ticket__department_id__in=department_ids
    ).count()


def open_count(site_ids: list[int]) -> int:
    return (
        Complaint.objects.filter(site_id__in=site_ids, ticket__state__in=ACTIVE_STATES)
        .exclude(stage=Stage.CLOSED)
        .count()
    )


def summaries_to_sign(site_ids: list[int]) -> int:
    return MonthlyComplaintSummary.objects.filter(
        site_id__in=site_ids, state=SummaryState.SUBMITTED
    ).count()


def summaries_to_write(site_ids: list[int]) -> int:
    return MonthlyComplaintSummary.objects.filter(
        site_id__in=site_ids, state=SummaryState.DRAFT
    ).count()


def capas_to_verify(site_ids: list[int]) -> int:
    return CorrectiveAction.objects.filter(
        site_id__in=site_ids, state=CapaState.IMPLEMENTED
    ).count()
