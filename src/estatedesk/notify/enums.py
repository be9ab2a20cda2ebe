from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    INAPP = "inapp", _("站内信")
    CONSOLE = "console", _("控制台")
    EMAIL = "email", _("邮件")
    SMS = "sms", _("短信")
    WECOM = "wecom", _("企业微信")


class State(models.TextChoices):
    """Delivery states of an outbox row.

    ``pending`` waits for its first try; ``sending`` is claimed by one ``deliver`` run (its
    ``next_attempt_at`` is then the lease after which a crashed run's row is taken again);
    ``failed`` waits for a retry at ``next_attempt_at``; ``sent`` and ``dead`` are final.
    """

    PENDING = "pending", _("待发送")
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("失败待重试")
    DEAD = "dead", _("已放弃")


# Rows the delivery job picks up when their ``next_attempt_at`` has passed.
DUE_STATES = (State.PENDING, State.SENDING, State.FAILED)
