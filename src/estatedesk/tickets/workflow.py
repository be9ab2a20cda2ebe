"""The ticket workflow: one explicit table of state x action -> new state, who may, and guard.

``tickets.services.ticket_transition`` is the only code that changes ``Ticket.state``; it asks
this table, and pages render their action buttons from the same table (``allowed_actions``).
Who may act is expressed as *capacities* a user has towards one ticket (desk, dispatcher,
supervisor, the ticket's department, its assignee, the resident who reported it), computed from
the user's roles at the ticket's site.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from estatedesk.org import roles
from estatedesk.org.enums import Role
from estatedesk.tickets.enums import CancelKind, TicketKind, TicketState
from estatedesk.tickets.models import PaidService, Referral, ServiceSlip, Ticket

S = TicketState

# Capacities
DESK = "desk"  # CS front desk: assistant, dispatcher, supervisor, manager (RQ-2, CV-1)
DISPATCHER = "dispatcher"  # opens, dispatches, follows up and closes cases (DS-1..DS-5)
SUPERVISOR = "supervisor"  # CS supervisor or site manager
DEPARTMENT = "department"  # staff of the ticket's department
DEPT_LEAD = "dept_lead"  # team leader / head of the ticket's department
ASSIGNEE = "assignee"  # the person responsible (实施责任人)
RESIDENT = "resident"  # the resident who reported it, or an occupant of its unit

Guard = Callable[[Ticket, dict[str, Any]], str | None]


def _needs_reason(ticket: Ticket, payload: dict[str, Any]) -> str | None:
    if not str(payload.get("reason", "")).strip():
        return str(_("请填写原因。"))
    return None


def _needs_department(ticket: Ticket, payload: dict[str, Any]) -> str | None:
    if not (payload.get("department_id") or ticket.department_id):
        return str(_("请选择处理部门。"))
    return None


def _needs_referral(ticket: Ticket, payload: dict[str, Any]) -> str | None:
    """RQ-7: a request never ends as "not ours" without a recorded referral to someone."""
    if not (payload.get("external_party_id") or str(payload.get("referred_to", "")).strip()):
        return str(_("转介须写明接收单位或责任方（RQ-7 严禁推诿）。"))
    return None


def _paid_work_confirmed(ticket: Ticket) -> str | None:
    """RQ-12: paid work starts only after the resident confirmed the quote."""
    if ticket.kind != TicketKind.PAID_SERVICE:
        return None
    confirmed = PaidService.objects.filter(ticket=ticket, confirmed_at__isnull=False).exists()
    if not confirmed:
        return str(_("有偿服务须先报价并经住户确认后才能开工（RQ-12）。"))
    return None


def _needs_paid_confirmation(ticket: Ticket, payload: dict[str, Any]) -> str | None:
    return _paid_work_confirmed(ticket)


def _needs_completion_note(ticket: Ticket, payload: dict[str, Any]) -> str | None:
    if not str(payload.get("note", "")).strip():
        return str(_("请填写处理情况。"))
    return _paid_work_confirmed(ticket)


def _needs_answer(ticket: Ticket, payload: dict[str, Any]) -> str | None:
    if ticket.kind not in ANSWERABLE_KINDS:
        return str(_("只有咨询和其他求助可以直接答复办结。"))
    if not str(payload.get("answer", "")).strip():
        return str(_("请填写答复内容。"))
    return None


def complaint_close_problem(ticket: Ticket) -> str | None:
    """CP-8 / CP-9: a ticket registered as a complaint closes only by the complaint's own
    cycle - the complainant told and, for major and important complaints, the return visit
    done (``complaints.workflow`` action ``close``: its stages and guard). The refusal names
    the complaint page where it is done. None for other tickets and unregistered complaints.
    """
    if ticket.kind != TicketKind.COMPLAINT:
        return None
    from estatedesk.complaints import workflow as complaint_workflow
    from estatedesk.complaints.models import Complaint

    complaint = Complaint.objects.filter(ticket_id=ticket.pk).select_related("ticket").first()
    close = complaint_workflow.find("close")
    if complaint is None or close is None:
        return None
    complaint.ticket = ticket
    problem: str | None = None
    if complaint.stage not in close.source:
        problem = str(_("投诉须先按投诉流程告知投诉人处理结果（CP-8）才能销项。"))
    elif close.guard is not None:
        problem = close.guard(complaint)
    if problem is None:
        return None
    page = reverse("complaints:detail", args=[complaint.pk])
    return str(_("%(problem)s 请到投诉页面办理：%(page)s") % {"problem": problem, "page": page})


def _needs_slip(ticket: Ticket, payload: dict[str, Any]) -> str | None:
    """DS-5: a case worked by someone closes only when the dispatcher confirms the service
    slip of its completion; an answered consultation has no slip and closes on confirmation.
    A registered complaint closes only by its own cycle (CP-8, CP-9); an emergency's ticket
    only after the site manager's sign-off (EM-5)."""
    from estatedesk.emergencies.services import close_refusal as emergency_close_problem

    problem = complaint_close_problem(ticket) or emergency_close_problem(ticket, payload)
    if problem:
        return problem
    if not payload.get("slip_confirmed"):
        if ServiceSlip.objects.filter(ticket=ticket).exists():
            return str(_("须确认已收到并签收服务单后才能销项（DS-5）。"))
        return str(_("请确认答复已办结。"))
    return None


def _needs_cancel_reason(ticket: Ticket, payload: dict[str, Any]) -> str | None:
    """RQ-7: "not ours" is only a valid ending once a referral to the responsible party is
    recorded (严禁推诿)."""
    kind = payload.get("cancel_kind") or ""
    if kind not in CancelKind.values:
        return str(_("请选择作废类别。"))
    if kind == CancelKind.NOT_OURS and not Referral.objects.filter(ticket=ticket).exists():
        return str(_("非本处职责的事项须先转介给责任方并记录（RQ-7 严禁推诿）。"))
    return _needs_reason(ticket, payload)


@dataclass(frozen=True)
class Transition:
    action: str
    source: frozenset[str]
    target: str | None  # None: the state does not change (e.g. reassign keeps "dispatched")
    capacities: frozenset[str]
    label: Any
    guard: Guard | None = None
    style: str = "outline-primary"
    kinds: frozenset[str] | None = None  # None: every kind; else the kinds it applies to

    def applies_to(self, ticket: Ticket) -> bool:
        return self.kinds is None or ticket.kind in self.kinds


ANSWERABLE_KINDS = frozenset({TicketKind.CONSULTATION, TicketKind.OTHER_HELP})


def _t(
    action: str,
    source: Iterable[str],
    target: str | None,
    capacities: set[str],
    label: Any,
    guard: Guard | None = None,
    style: str = "outline-primary",
    kinds: frozenset[str] | None = None,
) -> Transition:
    return Transition(
        action, frozenset(source), target, frozenset(capacities), label, guard, style, kinds
    )


WORKING: set[str] = {S.DISPATCHED, S.IN_PROGRESS}
OPEN_ANY: set[str] = {S.RECEIVED, *WORKING, S.WAITING_RESIDENT, S.REFERRED}
# fmt: off
TRANSITIONS: tuple[Transition, ...] = (
    #  action          from                      to                  who                                 label
    _t("dispatch",      {S.RECEIVED, S.REFERRED}, S.DISPATCHED,       {DESK},                             _("派工"), _needs_department, "primary"),
    _t("reassign",      WORKING,                  S.DISPATCHED,       {DISPATCHER, DEPT_LEAD},            _("改派"), _needs_department),
    _t("start",         {S.RECEIVED, S.DISPATCHED}, S.IN_PROGRESS,    {DEPARTMENT, ASSIGNEE, DESK},       _("开始处理"), _needs_paid_confirmation, "primary"),
    _t("wait_resident", WORKING,                  S.WAITING_RESIDENT, {DEPARTMENT, ASSIGNEE, DESK},       _("等待住户"), _needs_reason),
    _t("resume",        {S.WAITING_RESIDENT},     S.IN_PROGRESS,      {DEPARTMENT, ASSIGNEE, DESK},       _("继续处理")),
    _t("refer",         {S.RECEIVED, *WORKING},   S.REFERRED,         {DESK, DEPT_LEAD},                  _("转介"), _needs_referral),
    _t("complete",      {*WORKING, S.WAITING_RESIDENT, S.REFERRED}, S.DONE, {DEPARTMENT, ASSIGNEE, DESK}, _("报完工"), _needs_completion_note, "success"),
    _t("answer",        {S.RECEIVED, S.IN_PROGRESS}, S.DONE,          {DESK},                             _("答复办结"), _needs_answer, "success", ANSWERABLE_KINDS),
    _t("close",         {S.DONE},                 S.CLOSED,           {DISPATCHER},                       _("确认销项"), _needs_slip, "success"),
    _t("reopen",        {S.DONE, S.CLOSED},       S.IN_PROGRESS,      {DESK, RESIDENT},                   _("未解决，重新处理"), _needs_reason, "outline-danger"),
    _t("cancel",        OPEN_ANY,                 S.CANCELLED,        {SUPERVISOR},                       _("作废"), _needs_cancel_reason, "outline-danger"),
)
# fmt: on
BY_ACTION: dict[str, Transition] = {t.action: t for t in TRANSITIONS}


def capacities(ticket: Ticket, user: Any) -> frozenset[str]:
    """What ``user`` may act as towards ``ticket`` (computed from roles at its site)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return frozenset()
    held = roles.roles_at(user, ticket.site_id)
    result: set[str] = set()
    if held & roles.CS_DESK:
        result.add(DESK)
    if held & roles.DISPATCHERS:
        result.add(DISPATCHER)
    if held & roles.SUPERVISORS:
        result.add(SUPERVISOR)
    if ticket.assignee_id is not None and ticket.assignee_id == user.pk:
        result.add(ASSIGNEE)
    if ticket.department_id is not None and held & roles.WORKERS:
        from estatedesk.org.models import Membership

        memberships = Membership.objects.filter(
            user=user, site_id=ticket.site_id, department_id=ticket.department_id, is_active=True
        ).values_list("role", flat=True)
        for role in memberships:
            result.add(DEPARTMENT)
            if role in {Role.TEAM_LEADER, Role.DEPT_HEAD}:
                result.add(DEPT_LEAD)
    resident = getattr(user, "resident", None)
    if resident is not None and _is_residents_ticket(ticket, resident):
        result.add(RESIDENT)
    return frozenset(result)


def _is_residents_ticket(ticket: Ticket, resident: Any) -> bool:
    if ticket.resident_id == resident.pk:
        return True
    return (
        ticket.unit_id is not None and resident.occupancies.filter(unit_id=ticket.unit_id).exists()
    )


def allowed_actions(ticket: Ticket, user: Any) -> list[Transition]:
    """The transitions ``user`` may take now; pages render their buttons from this."""
    held = capacities(ticket, user)
    return [
        t
        for t in TRANSITIONS
        if ticket.state in t.source and t.capacities & held and t.applies_to(ticket)
    ]


def find(action: str) -> Transition | None:
    return BY_ACTION.get(action)
