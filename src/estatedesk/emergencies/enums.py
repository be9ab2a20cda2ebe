"""Emergency vocabulary: the case workflow, the escalation chain's state, pages, responders.

An emergency is a Ticket of one of the special kinds (EM-1, ``tickets.enums.SPECIAL_KINDS``);
these states are the emergency's own, beside the ticket's workflow state.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from estatedesk.org.enums import DepartmentKind
from estatedesk.tickets.enums import SPECIAL_KINDS, TicketKind

# EM-1: emergency medical, security incidents, disasters, fire, public-safety events, accidents
# and urgent orders from government or company leadership.
EMERGENCY_KINDS = SPECIAL_KINDS


class CaseState(models.TextChoices):
    OPEN = "open", _("处置中")
    SETTLED = "settled", _("已平息，待经理签字")
    CLOSED = "closed", _("经理已签字结案")


# The case workflow (EM-4, EM-5): opened -> settled by the duty officer -> signed off and closed
# by the site manager. Nothing else moves a case.
CASE_TRANSITIONS: dict[str, frozenset[str]] = {
    CaseState.OPEN: frozenset({CaseState.SETTLED}),
    CaseState.SETTLED: frozenset({CaseState.CLOSED}),
    CaseState.CLOSED: frozenset(),
}
UNSIGNED_STATES = frozenset({CaseState.OPEN, CaseState.SETTLED})


class Severity(models.TextChoices):
    """EM-6: serious cases are reported to the CS supervisor at once, minor ones afterwards."""

    SERIOUS = "serious", _("严重")
    MINOR = "minor", _("轻微")


class ChainState(models.TextChoices):
    NOT_STARTED = "not_started", _("未启动")
    RUNNING = "running", _("逐级呼叫中")
    ACKNOWLEDGED = "acknowledged", _("已有领导确认收到")
    EXHAUSTED = "exhausted", _("各级均未确认")
    STOPPED = "stopped", _("事件已平息，停止呼叫")


class PageOutcome(models.TextChoices):
    WAITING = "waiting", _("等待确认")
    ACKNOWLEDGED = "acknowledged", _("已确认收到")
    ESCALATED = "escalated", _("超时未确认，已越级")
    UNANSWERED = "unanswered", _("超时未确认")
    SKIPPED = "skipped", _("无人可呼叫，已越级")
    STOPPED = "stopped", _("已停止")


class AckVia(models.TextChoices):
    PAGE = "page", _("系统页面")
    API = "api", _("接口")
    SMS = "sms", _("短信链接")
    PHONE = "phone", _("电话确认（调度员代记）")


class ResponderStatus(models.TextChoices):
    """EM-3: who knows, who is on the way, who is there, who reported back."""

    NOTIFIED = "notified", _("已通知")
    KNOWS = "knows", _("已知悉")
    ON_WAY = "on_way", _("正在赶往")
    ARRIVED = "arrived", _("已到场")
    REPORTED = "reported", _("已反馈")


# A responder's status only moves forward (steps may be skipped: "I am already there").
RESPONDER_ORDER: tuple[str, ...] = tuple(ResponderStatus.values)

# The department an emergency ticket is dispatched to (RQ-4): the security department runs the
# emergency procedures (EM-7), urgent orders go to the management office.
DEPARTMENT_FOR_KIND: dict[str, str] = {
    TicketKind.URGENT_ORDER: DepartmentKind.MANAGEMENT,
}
DEFAULT_DEPARTMENT = DepartmentKind.SECURITY

# EM-6: for emergency medical the manager is told when the CS supervisor thinks it necessary;
# every other emergency pages the chain at once (EM-2).
SUPERVISOR_DECIDES_KINDS = frozenset({TicketKind.EMERGENCY_MEDICAL})
