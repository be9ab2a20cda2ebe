"""The resident portal's own records: one-time sign-in codes and the suggestion box (RP-6)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class LoginCode(models.Model):
    """A one-time sign-in code sent by SMS. Only its keyed hash is stored; it expires after a
    few minutes and dies after too many wrong tries."""

    phone = models.CharField(_("手机"), max_length=20)
    code_hash = models.CharField(max_length=64)
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("登录验证码")
        verbose_name_plural = _("登录验证码")
        indexes = [
            models.Index(fields=["phone", "created_at"], name="logincode_phone"),
            models.Index(fields=["ip", "created_at"], name="logincode_ip"),
        ]

    def __str__(self) -> str:
        return f"{self.phone} {self.created_at:%Y-%m-%d %H:%M}"


class Suggestion(models.Model):
    """RP-6: the suggestion box / online platform for residents' opinions, with the reply."""

    site = models.ForeignKey("org.Site", on_delete=models.CASCADE, related_name="suggestions")
    resident = models.ForeignKey(
        "org.Resident", on_delete=models.SET_NULL, null=True, related_name="suggestions"
    )
    body = models.TextField(_("意见建议"))
    created_at = models.DateTimeField(_("提交时间"))
    reply = models.TextField(_("答复"), blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    replied_at = models.DateTimeField(_("答复时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("意见建议")
        verbose_name_plural = _("意见建议")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["site", "created_at"], name="suggestion_site")]

    def __str__(self) -> str:
        return self.body[:40]
