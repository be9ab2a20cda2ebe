"""Complaint vocabulary: validity and scope (CP-2), severity (CP-3), the stages of the complaint
form cycle (CP-6..CP-9), extension requests (CP-7), return visits (CP-9), corrective and
preventive actions (CP-10, DS-8) and the reviews (RP-1, RP-2, DS-7)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Validity(models.TextChoices):
    """CP-2: valid, or invalid (an individual's unreasonable demand or grumble)."""

    VALID = "valid", _("有效投诉")
    INVALID = "invalid", _("无效投诉")


class Scope(models.TextChoices):
    """CP-2: property-service complaints, or non-property ones referred on (RQ-7)."""

    PROPERTY = "property", _("物业服务类")
    NON_PROPERTY = "non_property", _("非物业服务类")


class NonPropertyKind(models.TextChoices):
    DEVELOPER_DEFECT = "developer_defect", _("开发商遗留工程问题")
    SALES_PROMISE = "sales_promise", _("售楼承诺")
    OTHER = "other", _("其他非物业服务问题")


class Severity(models.TextChoices):
    MAJOR = "major", _("重大投诉")
    IMPORTANT = "important", _("重要投诉")
    MINOR = "minor", _("轻微投诉")


# CP-3 definitions, shown as guidance wherever a severity is chosen.
SEVERITY_GUIDANCE: dict[str, object] = {
    Severity.MAJOR: _(
        "公司承诺或合同规定的服务未兑现或有明显差错，经住户多次提出仍未解决；"
        "由公司责任给住户造成重大经济损失或人身伤害；有效投诉在一个月内未能合理解决。"
    ),
    Severity.IMPORTANT: _("因公司工作不到位或有过失而引起的投诉。"),
    Severity.MINOR: _(
        "因公司设施设备或管理水平有限给住户造成生活不便，属非人为因素造成、可以改进的投诉。"
    ),
}

SEVERITY_ORDER = {Severity.MINOR: 0, Severity.IMPORTANT: 1, Severity.MAJOR: 2}
# CP-9 / CP-10: severities that get a return visit and a corrective and preventive action report.
VISITED_SEVERITIES = frozenset({Severity.MAJOR, Severity.IMPORTANT})


class UpgradeReason(models.TextChoices):
    """CP-3: why a complaint became major automatically."""

    OVERDUE = "overdue", _("有效投诉一个月内未能合理解决")
    REPEATED = "repeated", _("同一住户多次投诉同一事项")


class Stage(models.TextChoices):
    """Where a complaint is in its cycle. Property-service complaints run the form cycle
    (sent -> signed -> handled -> returned -> told); referred and invalid ones go straight to
    telling the complainant. Major and important ones then get a return visit (CP-9)."""

    FORM_SENT = "form_sent", _("意见表待签收")
    SIGNED = "signed", _("部门处理中")
    HANDLED = "handled", _("已处理，待交回意见表")
    RETURNED = "returned", _("意见表已交回，待告知投诉人")
    REFERRED = "referred", _("已转介责任方")
    INVALID = "invalid", _("无效投诉，待解释")
    TOLD = "told", _("已告知投诉人")
    VISITED = "visited", _("已回访")
    CLOSED = "closed", _("已销项")


OPEN_STAGES = frozenset(s for s in Stage.values if s != Stage.CLOSED)


class ReportVia(models.TextChoices):
    PHONE = "phone", _("电话")
    IN_PERSON = "in_person", _("当面")
    SYSTEM = "system", _("系统内知悉")


class TellVia(models.TextChoices):
    PHONE = "phone", _("电话")
    VISIT = "visit", _("上门")


class ExtensionState(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已驳回")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASICALLY = "basically", _("基本满意")
    DISSATISFIED = "dissatisfied", _("不满意")


class CapaReason(models.TextChoices):
    """CP-10 / DS-8: why a corrective and preventive action report is required."""

    SEVERITY = "severity", _("重大/重要投诉（CP-10）")
    SUBSTANDARD = "substandard", _("工作不合格引起（DS-8）")


class CapaState(models.TextChoices):
    OPEN = "open", _("整改中")
    IMPLEMENTED = "implemented", _("已整改，待品质部验证")
    CLOSED = "closed", _("已验证关闭")


class QualityConclusion(models.TextChoices):
    GOOD = "good", _("处理质量良好")
    ACCEPTABLE = "acceptable", _("基本合格")
    NEEDS_IMPROVEMENT = "needs_improvement", _("需要改进")


class SummaryState(models.TextChoices):
    """DS-7: the monthly summary is drafted by the system, written up by the dispatcher,
    then commented on and signed by the site manager."""

    DRAFT = "draft", _("待调度员总结")
    SUBMITTED = "submitted", _("待经理审阅签字")
    SIGNED = "signed", _("经理已签字")
