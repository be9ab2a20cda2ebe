"""The complaint cycle as one table: stage x action -> new stage, who may, and guard.

The services check this table before every change and the detail page renders its buttons
from it (``allowed_actions``). Who may act is a set of capacities towards one complaint: the
ticket's (CS desk, dispatcher, supervisor, the ticket's department and its leaders, from
``tickets.workflow.capacities``) plus the site's managers and the quality department.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import gettext_lazy as _

from estatedesk.complaints.enums import OPEN_STAGES, Severity, Stage
from estatedesk.complaints.models import Complaint
from estatedesk.org import roles
from estatedesk.org.enums import Role
from estatedesk.tickets import workflow as ticket_workflow
from estatedesk.tickets.enums import TicketState

DESK = ticket_workflow.DESK
DISPATCHER = ticket_workflow.DISPATCHER
SUPERVISOR = ticket_workflow.SUPERVISOR
DEPARTMENT = ticket_workflow.DEPARTMENT
DEPT_LEAD = ticket_workflow.DEPT_LEAD
MANAGER = "manager"  # site manager and above at the complaint's site
QUALITY = "quality"  # the quality department (CP-10)

Guard = Callable[[Complaint], str | None]


def _reportable(c: Complaint) -> str | None:
    """CP-5: major and important complaints are reported up once."""
    if not c.is_valid or c.severity not in {Severity.MAJOR, Severity.IMPORTANT}:
        return str(_("只有有效的重大、重要投诉需要上报。"))
    if c.reported_at is not None:
        return str(_("已上报，无需重复。"))
    return None


def _answerable(c: Complaint) -> str | None:
    """CP-7: a major complaint gets a clear answer within 2 days."""
    if c.severity != Severity.MAJOR:
        return str(_("只有重大投诉需要先行明确答复。"))
    if c.answered_at is not None:
        return str(_("已明确答复。"))
    return None


def _extendable(c: Complaint) -> str | None:
    """CP-7: minor and important limits may be extended with approval; major ones may not."""
    if c.extension_approver_role is None:
        return str(_("重大投诉须在 10 天内解决，不能延期（CP-7）。"))
    if any(e.state == "pending" for e in c.extensions.all()):
        return str(_("已有待审批的延期申请。"))
    return None


def _handleable(c: Complaint) -> str | None:
    """The department records its handling once it signed; again only if the resident
    reopened the ticket."""
    if c.stage == Stage.SIGNED:
        return None
    if c.ticket.state == TicketState.IN_PROGRESS:
        return None
    return str(_("投诉已处理；住户要求重新处理时才能再次登记。"))


def _visitable(c: Complaint) -> str | None:
    if not c.needs_return_visit:
        return str(_("只有重大、重要投诉需要回访（CP-9）。"))
    visit = _visit_of(c)
    if visit is not None and visit.done_at is not None:
        return str(_("已回访。"))
    return None


def _closable(c: Complaint) -> str | None:
    if c.ticket.state != TicketState.DONE:
        return str(_("工单须处于“已完成待确认”状态才能销项。"))
    if c.needs_return_visit:
        visit = _visit_of(c)
        if visit is None or visit.done_at is None:
            return str(_("重大、重要投诉须先回访才能销项（CP-9）。"))
    return None


def _visit_of(c: Complaint) -> Any:
    try:
        return c.return_visit
    except ObjectDoesNotExist:
        return None


@dataclass(frozen=True)
class Action:
    name: str
    source: frozenset[str]
    target: str | None  # None: the stage stays (a record is added)
    capacities: frozenset[str]
    label: Any
    guard: Guard | None = None
    style: str = "outline-primary"


def _a(
    name: str,
    source: set[str] | frozenset[str],
    target: str | None,
    capacities: set[str],
    label: Any,
    guard: Guard | None = None,
    style: str = "outline-primary",
) -> Action:
    return Action(name, frozenset(source), target, frozenset(capacities), label, guard, style)


S = Stage
AFTER_HANDLING = {S.HANDLED, S.RETURNED, S.TOLD, S.VISITED}
# fmt: off
ACTIONS: tuple[Action, ...] = (
    #  action              from                      to            who                              label
    _a("sign",             {S.FORM_SENT},            S.SIGNED,     {DEPARTMENT},                    _("签收意见表"), None, "primary"),
    _a("report",           OPEN_STAGES,              None,         {DESK, MANAGER},                 _("上报领导"), _reportable),
    _a("answer",           {S.FORM_SENT, S.SIGNED},  None,         {DESK, DEPT_LEAD, MANAGER},      _("明确答复投诉人"), _answerable),
    _a("request_extension", {S.SIGNED},              None,         {DEPARTMENT, DESK},              _("申请延期"), _extendable),
    _a("handle",           {S.SIGNED, *AFTER_HANDLING}, S.HANDLED, {DEPARTMENT, DESK},              _("登记处理情况"), _handleable, "primary"),
    _a("return_form",      {S.HANDLED},              S.RETURNED,   {DESK},                          _("收回意见表"), None, "primary"),
    _a("tell",             {S.RETURNED, S.REFERRED, S.INVALID}, S.TOLD, {DESK},                     _("告知投诉人"), None, "primary"),
    _a("visit",            {S.TOLD},                 S.VISITED,    {DESK},                          _("回访"), _visitable, "primary"),
    _a("close",            {S.TOLD, S.VISITED},      S.CLOSED,     {DISPATCHER},                    _("销项"), _closable, "success"),
)
# fmt: on
BY_NAME: dict[str, Action] = {a.name: a for a in ACTIONS}


def capacities(complaint: Complaint, user: Any) -> frozenset[str]:
    """What ``user`` may act as towards ``complaint`` (from roles at its site)."""
    held = set(ticket_workflow.capacities(complaint.ticket, user))
    site_roles = roles.roles_at(user, complaint.site_id)
    if site_roles & roles.MANAGERS:
        held.add(MANAGER)
    if Role.QUALITY in site_roles:
        held.add(QUALITY)
    held.discard(ticket_workflow.RESIDENT)
    return frozenset(held)


def find(name: str) -> Action | None:
    return BY_NAME.get(name)


def allowed_actions(complaint: Complaint, user: Any) -> list[Action]:
    """The actions ``user`` may take now; the detail page renders its forms from this."""
    if not complaint.ticket.is_active:
        return []
    held = capacities(complaint, user)
    return [
        a
        for a in ACTIONS
        if complaint.stage in a.source
        and a.capacities & held
        and (a.guard is None or a.guard(complaint) is None)
    ]


# CP-10 / DS-8: who files a corrective and preventive action report; only quality closes it.
CAPA_FILERS = frozenset({SUPERVISOR, MANAGER, DEPT_LEAD})


def may_file_capa(complaint: Complaint, user: Any) -> bool:
    return bool(capacities(complaint, user) & CAPA_FILERS)


def may_decide_extension(complaint: Complaint, user: Any, approver_role: str) -> bool:
    """CP-7: minor - the CS supervisor (or the site manager above them); important - the
    site manager only."""
    held = roles.roles_at(user, complaint.site_id)
    if approver_role == Role.CS_SUPERVISOR:
        return bool(held & {Role.CS_SUPERVISOR, Role.SITE_MANAGER})
    return approver_role in held
