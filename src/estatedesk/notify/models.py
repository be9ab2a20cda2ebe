"""The notification outbox (also the staff in-app inbox) and per-user channel preferences."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from estatedesk.notify.enums import DUE_STATES, Channel, State
from estatedesk.org.models import phone_validator


class Notification(models.Model):
    """One message on one channel to one recipient.

    Written in the caller's transaction (outbox) and delivered after commit by ``jobs.deliver``;
    an ``inapp`` row is itself the inbox entry. ``recipient_key`` (``user:<id>``,
    ``phone:<digits>``, ``email:<address>``) names the recipient for the dedupe constraint.
    """

    site = models.ForeignKey(
        "org.Site", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("接收人"),
    )
    phone = models.CharField(_("手机"), max_length=20, blank=True)
    email = models.EmailField(_("邮箱"), blank=True)
    recipient_key = models.CharField(_("接收人标识"), max_length=200)
    topic = models.CharField(_("类别"), max_length=50)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=500, blank=True)
    dedupe_key = models.CharField(_("去重键"), max_length=200, blank=True)
    # Which ``notification_send_many`` call inserted the row: it bulk-inserts rows with a
    # dedupe key ignoring conflicts on ``notify_dedupe``, then reads back the rows carrying
    # its token - exactly the ones it queued, even when another transaction won a key.
    queue_token = models.CharField(max_length=32, blank=True, default="", db_default="")
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"), null=True, blank=True)
    last_error = models.TextField(_("最近错误"), blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"))

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        constraints = [
            # A second send with the same key to the same recipient on the same channel is a
            # no-op (sweeps and retries of callers may run twice).
            models.UniqueConstraint(
                fields=["channel", "recipient_key", "dedupe_key"],
                condition=~models.Q(dedupe_key=""),
                name="notify_dedupe",
            ),
            models.CheckConstraint(
                condition=models.Q(state__in=State.values), name="notify_state_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(channel__in=Channel.values), name="notify_channel_valid"
            ),
        ]
        indexes = [
            # jobs.deliver: due rows by next_attempt_at; final rows (the bulk) stay out of it.
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(state__in=DUE_STATES),
                name="notify_due",
            ),
            # The inbox and the unread badge: one user's in-app rows, unread first.
            models.Index(
                fields=["user", "read_at", "-created_at"],
                condition=models.Q(channel=Channel.INAPP),
                name="notify_inbox",
            ),
            models.Index(fields=["state", "channel"], name="notify_state_channel"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.recipient_key}: {self.title}"


class NotificationPreference(models.Model):
    """Which outside channels a staff member also wants, besides the in-app inbox."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notify_preference",
        verbose_name=_("用户"),
    )
    phone = models.CharField(_("手机"), max_length=20, blank=True, validators=[phone_validator])
    email = models.EmailField(_("邮箱"), blank=True, help_text=_("留空则使用账号邮箱。"))
    sms_enabled = models.BooleanField(_("短信通知"), default=False)
    email_enabled = models.BooleanField(_("邮件通知"), default=False)
    wecom_enabled = models.BooleanField(
        _("企业微信群通知"), default=False, help_text=_("在企业微信群机器人消息中@我的手机号。")
    )
    updated_at = models.DateTimeField(_("更新时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知偏好")
        verbose_name_plural = _("通知偏好")

    def __str__(self) -> str:
        return str(self.user)
