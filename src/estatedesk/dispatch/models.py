"""Follow-ups of dispatched cases (DS-3, DS-4) and the Monday review of last week's open cases
(DS-6)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from estatedesk.dispatch.enums import FollowUpKind, ReviewStatus, ReviewVerdict


class FollowUp(models.Model):
    """One chase of a case: what the dispatcher found and whether the work is arranged."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="followups")
    site = models.ForeignKey("org.Site", on_delete=models.CASCADE, related_name="+")
    which = models.CharField(_("跟进类别"), max_length=8, choices=FollowUpKind.choices)
    arranged = models.BooleanField(_("已安排"), help_text=_("责任人已安排处理。"))
    note = models.CharField(_("跟进情况"), max_length=500)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("跟进人"),
    )
    recorded_at = models.DateTimeField(_("跟进时间"))
    manager_notified = models.BooleanField(
        _("已报管理处经理"), default=False, help_text=_("DS-4：下班前仍未安排，已告知经理。")
    )

    class Meta:
        verbose_name = _("跟进记录")
        verbose_name_plural = _("跟进记录")
        ordering = ["ticket", "recorded_at", "pk"]
        indexes = [models.Index(fields=["site", "recorded_at"], name="followup_site_time")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.which}"


class WeeklyReview(models.Model):
    """DS-6: the Monday review of the cases of the week starting ``week_start`` still open."""

    site = models.ForeignKey("org.Site", on_delete=models.CASCADE, related_name="+")
    week_start = models.DateField(_("回顾周（周一）"))
    status = models.CharField(
        _("状态"), max_length=8, choices=ReviewStatus.choices, default=ReviewStatus.OPEN
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("发起人"),
    )
    opened_at = models.DateTimeField(_("发起时间"))
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("完成人"),
    )
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("每周回顾")
        verbose_name_plural = _("每周回顾")
        ordering = ["-week_start", "site"]
        constraints = [
            models.UniqueConstraint(fields=["site", "week_start"], name="weekly_review_unique")
        ]

    def __str__(self) -> str:
        return f"{self.site_id} {self.week_start}"


class ReviewItem(models.Model):
    """One open case in a weekly review; a case that cannot be handled gets a new approach
    confirmed by the site manager (DS-6)."""

    review = models.ForeignKey(WeeklyReview, on_delete=models.CASCADE, related_name="items")
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    state_at_review = models.CharField(_("回顾时状态"), max_length=20)
    verdict = models.CharField(
        _("回顾结论"), max_length=16, choices=ReviewVerdict.choices, default=ReviewVerdict.PENDING
    )
    note = models.CharField(_("调度员意见"), max_length=500, blank=True)
    new_approach = models.TextField(_("新的处理方案"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("回顾人"),
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("经理确认"),
    )
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("回顾条目")
        verbose_name_plural = _("回顾条目")
        ordering = ["review", "ticket__received_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["review", "ticket"], name="review_item_unique")
        ]

    def __str__(self) -> str:
        return f"{self.review_id} {self.ticket_id}"

    @property
    def needs_confirmation(self) -> bool:
        return self.verdict == ReviewVerdict.CANNOT_HANDLE and self.confirmed_at is None
