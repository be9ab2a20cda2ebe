"""Choices of the duty app: rosters, leave/substitution, on-call roles, log entries, handover."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RosterKind(models.TextChoices):
    """DT-12: the CS duty roster (《值班安排表》) and the cleaners' duty roster (《保洁员值班表》)."""

    CS = "cs", _("客服值班")
    CLEANING = "cleaning", _("保洁值班")


class RosterState(models.TextChoices):
    DRAFT = "draft", _("编制中")
    PUBLISHED = "published", _("已发布")


class ChangeKind(models.TextChoices):
    """DT-5: leave (the supervisor assigns the substitute) or a proposed swap (needs approval);
    ``adjust`` records a supervisor's own change of a published roster."""

    LEAVE = "leave", _("请假")
    SWAP = "swap", _("调班")
    ADJUST = "adjust", _("主管调整")


class ChangeState(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已驳回")
    WITHDRAWN = "withdrawn", _("已撤回")


CHANGE_OPEN_STATES = frozenset({ChangeState.PENDING})
# state -> states a change may move to (checked by every change service).
CHANGE_TRANSITIONS: dict[str, frozenset[str]] = {
    ChangeState.PENDING: frozenset(
        {ChangeState.APPROVED, ChangeState.REJECTED, ChangeState.WITHDRAWN}
    ),
    ChangeState.APPROVED: frozenset(),
    ChangeState.REJECTED: frozenset(),
    ChangeState.WITHDRAWN: frozenset(),
}


class OnCallRole(models.TextChoices):
    """DT-7: who keeps the phone on after hours and on holidays."""

    MANAGER = "manager", _("管理处经理")
    CS_HEAD = "cs_head", _("客服中心主管")
    SECURITY_HEAD = "security_head", _("保安部主管")
    MAINTENANCE_HEAD = "maintenance_head", _("机电维修部主管")


class LogEntryKind(models.TextChoices):
    """What an entry is about. A correction keeps the kind of the entry it corrects (it is
    recognised by its ``corrects`` link); closures and handovers are written by services."""

    CALL = "call", _("来电")
    VISIT = "visit", _("来访")
    EVENT = "event", _("事件")
    EMERGENCY = "emergency", _("紧急事件")
    ACTION = "action", _("处理")
    PATROL = "patrol", _("巡查")
    NOTE = "note", _("其他")
    CLOSURE = "closure", _("办结")
    HANDOVER = "handover", _("交接班")


# Kinds an officer picks when writing; the others are written by services.
class ReportTo(models.TextChoices):
    """DT-4: a problem is solved at once; a difficult one goes to the CS supervisor, a serious
    one to the site manager."""

    NOBODY = "", _("当班处理")
    SUPERVISOR = "supervisor", _("报告客服主管（疑难）")
    MANAGER = "manager", _("报告管理处经理（严重）")


REPORT_ROLES: dict[str, str] = {"supervisor": "cs_supervisor", "manager": "site_manager"}

LOG_WRITABLE_KINDS = [
    LogEntryKind.CALL,
    LogEntryKind.VISIT,
    LogEntryKind.EVENT,
    LogEntryKind.EMERGENCY,
    LogEntryKind.ACTION,
    LogEntryKind.PATROL,
    LogEntryKind.NOTE,
]


class HandoverState(models.TextChoices):
    OPEN = "open", _("交接中")
    COMPLETED = "completed", _("已交接")
    CANCELLED = "cancelled", _("已取消")


HANDOVER_TRANSITIONS: dict[str, frozenset[str]] = {
    HandoverState.OPEN: frozenset({HandoverState.COMPLETED, HandoverState.CANCELLED}),
    HandoverState.COMPLETED: frozenset(),
    HandoverState.CANCELLED: frozenset(),
}
