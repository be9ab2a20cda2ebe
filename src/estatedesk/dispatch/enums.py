from django.db import models
from django.utils.translation import gettext_lazy as _


class FollowUpKind(models.TextChoices):
    """DS-3 first follow-up (2 h after opening), DS-4 second (before the end of the day)."""

    DS3 = "ds3", _("首次跟进（DS-3）")
    DS4 = "ds4", _("第二次跟进（DS-4）")
    OTHER = "other", _("其他跟进")


class ReviewStatus(models.TextChoices):
    OPEN = "open", _("回顾中")
    DONE = "done", _("已完成")


class ReviewVerdict(models.TextChoices):
    """The dispatcher's assessment of a case still open on Monday (DS-6)."""

    PENDING = "pending", _("待回顾")
    ON_TRACK = "on_track", _("正常处理中")
    CANNOT_HANDLE = "cannot_handle", _("无法处理，需新方案")
