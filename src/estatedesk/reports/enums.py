"""Vocabulary of the reports app: periods, procedure families (RP-8), survey states and
question kinds (RP-6), record classes of the retention job (RT-1..RT-5)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from estatedesk.tickets.enums import STATE_GROUP, StateGroup

# The backlog: work still outstanding (being handled or waiting for the resident); a ticket
# reported done and awaiting confirmation or closing is not in it.
OUTSTANDING_STATES = frozenset(
    state for state, group in STATE_GROUP.items() if group in {StateGroup.OPEN, StateGroup.PAUSED}
)


class PeriodKind(models.TextChoices):
    WEEK = "week", _("周")
    MONTH = "month", _("月")
    QUARTER = "quarter", _("季度")
    YEAR = "year", _("年")
    CUSTOM = "custom", _("自定义")


class Procedure(models.TextChoices):
    """RP-8: the rule families of procedures.md a training session covers."""

    RQ = "RQ", _("RQ 住户报事/求助")
    CV = "CV", _("CV 来电来访记录")
    CP = "CP", _("CP 投诉处理")
    DS = "DS", _("DS 调度")
    EM = "EM", _("EM 紧急或重大事情")
    DT = "DT", _("DT 值班与交接班")
    VI = "VI", _("VI 住户违章")
    AR = "AR", _("AR 业户档案、入伙、钥匙")
    RP = "RP", _("RP 检查、质量与报表")
    RT = "RT", _("RT 资料保存")


class SurveyState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    OPEN = "open", _("进行中")
    CLOSED = "closed", _("已结束")


class QuestionKind(models.TextChoices):
    RATING = "rating", _("评分（1-5 分）")
    CHOICE = "choice", _("单选")
    TEXT = "text", _("文字意见")


class Dimension(models.TextChoices):
    """What a row of the ticket rollups is grouped by (``all``: the site's total)."""

    ALL = "all", _("合计")
    KIND = "kind", _("类别")
    CHANNEL = "channel", _("渠道")
    DEPARTMENT = "department", _("部门")
    BUILDING = "building", _("楼栋")
    PLACE = "place", _("公共区域")


class RecordClass(models.TextChoices):
    """What a retention run removed, with the rule that sets its period."""

    REQUESTS = "requests", _("报事工单（RT-1，归档后保存 2 年）")
    REGISTER_ARCHIVE = "register_archive", _("年度报事登记表归档（RT-1，保存 2 年）")
    DUTY_LOG = "duty_log", _("值班记录（RT-2，保存 3 年）")
    VIOLATIONS_GENERAL = "violations_general", _("一般违章记录（RT-3，保存 1 年）")
    VIOLATIONS_MAJOR = "violations_major", _("重大违章记录（RT-3，保存 5 年）")
