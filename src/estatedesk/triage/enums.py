"""Labels the triage model suggests: request kind (RQ-1), department (RQ-4), complaint severity
(CP-3), and the emergency categories the high-recall detector reports (EM-1)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    """RQ-1 request kinds; the values are the ticket kinds the tickets app stores."""

    EMERGENCY_MEDICAL = "emergency_medical", _("急救病人")
    REPAIR = "repair", _("报修")
    COMPLAINT = "complaint", _("投诉")
    CONSULTATION = "consultation", _("咨询")
    SECURITY_INCIDENT = "security_incident", _("治安/突发事件")
    DISASTER = "disaster", _("灾害事故")
    OTHER_HELP = "other_help", _("其他求助")
    PAID_SERVICE = "paid_service", _("有偿便民服务")


class Severity(models.TextChoices):
    """CP-3 complaint severity."""

    MAJOR = "major", _("重大")
    IMPORTANT = "important", _("重要")
    MINOR = "minor", _("轻微")


class EmergencyCategory(models.TextChoices):
    """What the emergency detector saw (EM-1: danger to life, property or public order)."""

    COLLAPSE = "collapse", _("倒塌/坠落")
    INJURY = "injury", _("受伤")
    MEDICAL = "medical", _("急病")
    FIRE = "fire", _("火情")
    SMOKE = "smoke", _("冒烟")
    GAS = "gas", _("燃气泄漏")
    ELECTRIC = "electric", _("用电危险")
    LIFT_TRAPPED = "lift_trapped", _("电梯困人")
    FLOODING = "flooding", _("水浸/爆管")
    FIGHT = "fight", _("打架斗殴")
    THEFT = "theft", _("正在发生的盗窃/抢劫")


class HitSource(models.TextChoices):
    RULE = "rule", _("关键词规则")
    MODEL = "model", _("模型")
