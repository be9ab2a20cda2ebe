"""Ticket kinds, channels and states (RQ-1, RQ-2, EM-1), grouped so the SLA engine and the
reports never depend on individual state names."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TicketKind(models.TextChoices):
    EMERGENCY_MEDICAL = "emergency_medical", _("急救病人")
    REPAIR = "repair", _("报修")
    COMPLAINT = "complaint", _("投诉")
    CONSULTATION = "consultation", _("咨询")
    SECURITY_INCIDENT = "security_incident", _("治安/突发事件")
    DISASTER = "disaster", _("灾害事故")
    FIRE = "fire", _("火警/火灾")
    PUBLIC_SAFETY = "public_safety", _("公共安全事件")
    ACCIDENT = "accident", _("人身伤害/交通事故")
    URGENT_ORDER = "urgent_order", _("政府或公司领导紧急指令")
    OTHER_HELP = "other_help", _("其他求助")
    PAID_SERVICE = "paid_service", _("有偿便民服务")


# RQ-1: special requests (特别求助) endanger life, property or public order; EM-1 widens the
# emergency set with fire, public-safety events, accidents and urgent orders.
SPECIAL_KINDS = frozenset(
    {
        TicketKind.EMERGENCY_MEDICAL,
        TicketKind.SECURITY_INCIDENT,
        TicketKind.DISASTER,
        TicketKind.FIRE,
        TicketKind.PUBLIC_SAFETY,
        TicketKind.ACCIDENT,
        TicketKind.URGENT_ORDER,
    }
)


class Channel(models.TextChoices):
    HOTLINE = "hotline", _("24小时热线")
    VISIT = "visit", _("来访")
    WRITTEN = "written", _("书面")
    LETTER = "letter", _("信函")
    ONLINE = "online", _("在线平台")
    INTERNAL = "internal", _("内部立项")


class TicketState(models.TextChoices):
    RECEIVED = "received", _("已受理")
    DISPATCHED = "dispatched", _("已派工")
    IN_PROGRESS = "in_progress", _("处理中")
    WAITING_RESIDENT = "waiting_resident", _("等待住户")
    REFERRED = "referred", _("已转介")
    DONE = "done", _("已完成待确认")
    CLOSED = "closed", _("已销项")
    CANCELLED = "cancelled", _("已作废")


class StateGroup(models.TextChoices):
    OPEN = "open", _("处理中")
    PAUSED = "paused", _("暂停")
    RESOLVED = "resolved", _("待确认")
    FINISHED = "finished", _("已结束")


STATE_GROUP: dict[str, str] = {
    TicketState.RECEIVED: StateGroup.OPEN,
    TicketState.DISPATCHED: StateGroup.OPEN,
    TicketState.IN_PROGRESS: StateGroup.OPEN,
    TicketState.REFERRED: StateGroup.OPEN,
    TicketState.WAITING_RESIDENT: StateGroup.PAUSED,
    TicketState.DONE: StateGroup.RESOLVED,
    TicketState.CLOSED: StateGroup.FINISHED,
    TicketState.CANCELLED: StateGroup.FINISHED,
}
ACTIVE_STATES = frozenset(s for s, g in STATE_GROUP.items() if g != StateGroup.FINISHED)
FINISHED_STATES = frozenset(s for s, g in STATE_GROUP.items() if g == StateGroup.FINISHED)


class RepairClass(models.TextChoices):
    """CV-2: how a repair item is classified when logged."""

    NORMAL = "normal", _("常规维修")
    WARRANTY = "Z", _("Z 保修期内（开发商/施工单位）")
    OUTSIDE = "Q", _("Q 外部单位处理")
    COORDINATION = "GT", _("GT 需协调，预计超过 2 天")
    COMPLAINT = "complaint", _("明确投诉")


class Urgency(models.TextChoices):
    NORMAL = "normal", _("一般")
    URGENT = "urgent", _("紧急")


class CancelKind(models.TextChoices):
    DUPLICATE = "duplicate", _("重复登记")
    MISTAKEN = "mistaken", _("误报")
    WITHDRAWN = "withdrawn", _("住户撤回")
    NOT_OURS = "not_ours", _("非本处职责（已转介）")


class ReferralKind(models.TextChoices):
    """RQ-7 / CV-2: who a request was handed to."""

    OUTSIDE = "Q", _("Q 外部单位")
    WARRANTY = "Z", _("Z 开发商/施工单位保修")
    COORDINATION = "GT", _("GT 协调（预计超过 2 天）")
    DEPARTMENT = "department", _("其他部门")
    OTHER = "other", _("其他责任方")


# A referral of these kinds is also the ticket's CV-2 repair class.
REFERRAL_REPAIR_CLASS: dict[str, str] = {
    ReferralKind.OUTSIDE: RepairClass.OUTSIDE,
    ReferralKind.WARRANTY: RepairClass.WARRANTY,
    ReferralKind.COORDINATION: RepairClass.COORDINATION,
}


class ConsultationMode(models.TextChoices):
    ORAL = "oral", _("口头咨询")
    WRITTEN = "written", _("书面咨询")


class AttachmentPurpose(models.TextChoices):
    REPORT = "report", _("报事照片/材料")
    PROGRESS = "progress", _("处理过程")
    COMPLETION = "completion", _("完工照片")
    INTERNAL = "internal", _("内部材料")


class ConfirmVia(models.TextChoices):
    PORTAL = "portal", _("住户在线确认")
    STAFF = "staff", _("员工代为记录（电话/当面）")


class CallKind(models.TextChoices):
    CALL = "call", _("来电")
    VISIT = "visit", _("来访")


class LogClass(models.TextChoices):
    """CV-2/CV-4: the class of a calls-and-visits log entry, subtotalled per page."""

    NORMAL = "normal", _("常规维修")
    WARRANTY = "Z", _("Z 保修")
    OUTSIDE = "Q", _("Q 外部单位")
    COORDINATION = "GT", _("GT 协调")
    COMPLAINT = "complaint", _("投诉")
    CONSULTATION = "consultation", _("咨询")
    OTHER = "other", _("其他")


class CallLink(models.TextChoices):
    NONE = "", _("无工单")
    CREATED = "created", _("新建工单")
    UPDATED = "updated", _("跟进工单")
