"""Duty: rosters, leave/substitution, on-call list, the hash-chained duty log, handover, sign-off.

The duty log (DT-8) is append-only three times over: the model refuses ``save()`` of an existing
row and ``delete()``, its QuerySet refuses ``update()``/``delete()``, and on PostgreSQL a trigger
(migration 0002) refuses UPDATE and DELETE. Each entry stores the SHA-256 of the previous entry of
its site's chain, so ``estatedesk verify-log`` proves nothing was altered or removed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from estatedesk.core.models import AppendOnlyError
from estatedesk.duty.enums import (
    ChangeKind,
    ChangeState,
    HandoverState,
    LogEntryKind,
    OnCallRole,
    RosterKind,
    RosterState,
)

# RT-2: full duty logs are kept 3 years; every entry stores the date it may be pruned from.
LOG_RETENTION_YEARS = 3
# The prev_hash of a site's first entry.
GENESIS_HASH = "0" * 64


class Roster(models.Model):
    """One month of one duty roster of a site (DT-1, DT-12)."""

    site = models.ForeignKey("org.Site", on_delete=models.CASCADE, related_name="duty_rosters")
    kind = models.CharField(_("类别"), max_length=10, choices=RosterKind.choices)
    month = models.DateField(_("月份"), help_text=_("该月 1 日"))
    state = models.CharField(
        _("状态"), max_length=10, choices=RosterState.choices, default=RosterState.DRAFT
    )
    version = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(_("创建时间"))
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("值班表")
        verbose_name_plural = _("值班表")
        ordering = ["site_id", "-month", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "kind", "month"], name="roster_site_kind_month"
            ),
            models.CheckConstraint(
                condition=models.Q(state__in=RosterState.values), name="roster_state_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.site} {self.month:%Y-%m} {self.get_kind_display()}"

    @property
    def is_published(self) -> bool:
        return self.state == RosterState.PUBLISHED


class DutyAssignment(models.Model):
    """A person on one day's shift of a roster. ``user`` changes only through an approved
    substitution or a supervisor's adjustment (DT-5); ``planned_user`` keeps who was rostered."""

    roster = models.ForeignKey(Roster, on_delete=models.CASCADE, related_name="assignments")
    site = models.ForeignKey("org.Site", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("类别"), max_length=10, choices=RosterKind.choices)
    day = models.DateField(_("日期"))
    starts_at = models.DateTimeField(_("开始"))
    ends_at = models.DateTimeField(_("结束"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="duty_assignments",
        verbose_name=_("值班人"),
    )
    planned_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("值班安排")
        verbose_name_plural = _("值班安排")
        ordering = ["day", "starts_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["roster", "day", "user"], name="assignment_unique"),
            models.CheckConstraint(
                condition=models.Q(starts_at__lt=models.F("ends_at")),
                name="assignment_time_order",
            ),
        ]
        # on_duty_now: site + kind + a time inside [starts_at, ends_at).
        indexes = [
            models.Index(fields=["site", "kind", "starts_at", "ends_at"], name="assignment_when")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.user}"


class DutyChange(models.Model):
    """A leave or swap request for one assignment, decided by the CS supervisor (DT-5)."""

    site = models.ForeignKey("org.Site", on_delete=models.CASCADE, related_name="+")
    assignment = models.ForeignKey(DutyAssignment, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(_("类型"), max_length=10, choices=ChangeKind.choices)
    state = models.CharField(
        _("状态"), max_length=10, choices=ChangeState.choices, default=ChangeState.PENDING
    )
    version = models.PositiveIntegerField(default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    original_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    substitute = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("顶班人"),
    )
    reason = models.TextField(_("原因"))
    created_at = models.DateTimeField(_("申请时间"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.CharField(_("审批意见"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("请假调班")
        verbose_name_plural = _("请假调班")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment"],
                condition=models.Q(state=ChangeState.PENDING),
                name="change_one_pending",
            ),
            models.CheckConstraint(
                condition=models.Q(state__in=ChangeState.values), name="change_state_valid"
            ),
        ]
        indexes = [models.Index(fields=["site", "state"], name="change_site_state")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.assignment}"


class OnCallEntry(models.Model):
    """The on-call list (DT-7): who answers the duty officer after hours and on holidays."""

    site = models.ForeignKey("org.Site", on_delete=models.CASCADE, related_name="on_call")
    role = models.CharField(_("职责"), max_length=20, choices=OnCallRole.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="on_call_entries",
        verbose_name=_("人员"),
    )
    phone = models.CharField(_("手机"), max_length=30)
    priority = models.PositiveSmallIntegerField(
        _("顺序"), default=1, help_text=_("同一职责有多人时先联系数字小的。")
    )
    valid_from = models.DateField(_("生效日期"), null=True, blank=True)
    valid_until = models.DateField(_("截止日期"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("值班联络人")
        verbose_name_plural = _("值班联络表")
        ordering = ["site_id", "role", "priority", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["site", "role", "user"], name="oncall_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} {self.user}"

    def is_valid_on(self, day: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_until is None or day <= self.valid_until
        )


class PostItem(models.Model):
    """A public item kept at the duty post, counted at every handover (DT-9)."""

    site = models.ForeignKey("org.Site", on_delete=models.CASCADE, related_name="post_items")
    name = models.CharField(_("物品"), max_length=50, help_text=_("例如 对讲机、灭火器、水瓶"))
    quantity = models.PositiveIntegerField(_("应有数量"), default=1)
    location = models.CharField(_("存放位置"), max_length=50, blank=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("岗位公物")
        verbose_name_plural = _("岗位公物")
        ordering = ["site_id", "sort_order", "name"]
        constraints = [models.UniqueConstraint(fields=["site", "name"], name="postitem_site_name")]

    def __str__(self) -> str:
        return f"{self.name} ×{self.quantity}"


class DutyLogChain(models.Model):
    """The head of a site's chain: locked (SELECT ... FOR UPDATE) by every append so two
    writers can never take the same number or hash off the same predecessor. It also lets
    verification notice entries removed from the end of the chain."""

    site = models.OneToOneField("org.Site", on_delete=models.PROTECT, related_name="duty_log_chain")
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        verbose_name = _("值班记录链")
        verbose_name_plural = _("值班记录链")

    def __str__(self) -> str:
        return f"{self.site} #{self.last_seq}"


class AppendOnlyQuerySet(models.QuerySet):
    """Bulk writes that would bypass the per-row refusal are refused too."""

    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError()

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError()


class AppendOnlyModel(models.Model):
    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding and not kwargs.get("force_insert"):
            raise AppendOnlyError()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError()


class DutyLogEntry(AppendOnlyModel):
    """One line of the duty log (《值班记录》, DT-8). Never changed: a correction is a new entry
    pointing at the one it corrects, a finished follow-up a new entry pointing at it."""

    site = models.ForeignKey("org.Site", on_delete=models.PROTECT, related_name="+")
    seq = models.BigIntegerField(_("编号"))
    kind = models.CharField(_("类别"), max_length=12, choices=LogEntryKind.choices)
    occurred_at = models.DateTimeField(_("发生时间"))
    recorded_at = models.DateTimeField(_("记录时间"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    author_name = models.CharField(_("记录人"), max_length=150)
    text = models.TextField(_("内容"))
    important = models.BooleanField(_("重要"), default=False)
    follow_up = models.BooleanField(_("需跟进"), default=False)
    reason = models.CharField(_("更正原因"), max_length=200, blank=True)
    # No database constraint on the two links: the retention job may prune an old target while
    # its correction is kept (the link is part of the hashed content, so it still proves itself).
    # One-to-one: an entry is corrected at most once and closed at most once (correct the latest).
    corrects = models.OneToOneField(
        "self",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="correction",
        verbose_name=_("更正的记录"),
    )
    closes = models.OneToOneField(
        "self",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="closure",
        verbose_name=_("办结的记录"),
    )
    retention_until = models.DateField(_("保存至"))
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("值班记录")
        verbose_name_plural = _("值班记录")
        ordering = ["site_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["site", "seq"], name="dutylog_site_seq"),
        ]
        indexes = [
            models.Index(fields=["site", "recorded_at"], name="dutylog_site_recorded"),
            # Open follow-ups of a site (handover items): a small partial index.
            models.Index(
                fields=["site", "seq"],
                condition=models.Q(follow_up=True),
                name="dutylog_follow_up",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.text[:30]}"

    def content(self) -> dict[str, Any]:
        """The fields the hash covers, in a canonical, database-independent form."""
        return {
            "v": 1,
            "site": self.site_id,
            "seq": self.seq,
            "kind": self.kind,
            "occurred_at": _iso(self.occurred_at),
            "recorded_at": _iso(self.recorded_at),
            "author": self.author_id,
            "author_name": self.author_name,
            "text": self.text,
            "important": self.important,
            "follow_up": self.follow_up,
            "reason": self.reason,
            "corrects": self.corrects_id,
            "closes": self.closes_id,
            "retention_until": self.retention_until.isoformat(),
        }


def _iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


class DutyLogAnchor(AppendOnlyModel):
    """Where a pruned chain starts again (RT-2): the first kept entry's number and the hash of
    the last removed one, so verification of the kept part still passes after pruning."""

    site = models.ForeignKey("org.Site", on_delete=models.PROTECT, related_name="+")
    seq = models.BigIntegerField(_("首条保留记录编号"))
    prev_hash = models.CharField(max_length=64)
    pruned_count = models.PositiveIntegerField(_("删除条数"))
    pruned_at = models.DateTimeField(_("删除时间"))
    pruned_by = models.CharField(_("操作人"), max_length=150)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("值班记录锚点")
        verbose_name_plural = _("值班记录锚点")
        ordering = ["site_id", "seq"]
        constraints = [models.UniqueConstraint(fields=["site", "seq"], name="anchor_site_seq")]

    def __str__(self) -> str:
        return f"{self.site} from #{self.seq}"


class Handover(models.Model):
    """One shift handover at the CS duty post (DT-9, DT-10), started by the incoming officer."""

    site = models.ForeignKey("org.Site", on_delete=models.PROTECT, related_name="+")
    state = models.CharField(
        _("状态"), max_length=10, choices=HandoverState.choices, default=HandoverState.OPEN
    )
    version = models.PositiveIntegerField(default=0)
    assignment = models.ForeignKey(
        DutyAssignment, on_delete=models.PROTECT, related_name="handovers"
    )
    shift_start = models.DateTimeField(_("接班班次开始"))
    shift_end = models.DateTimeField(_("接班班次结束"))
    log_from = models.DateTimeField(_("上一班记录起"))
    incoming = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("接班人"),
    )
    outgoing = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("交班人"),
    )
    started_at = models.DateTimeField(_("开始时间"))
    inventory_checked_at = models.DateTimeField(_("清点时间"), null=True, blank=True)
    log_read_through = models.BigIntegerField(_("已阅至记录"), null=True, blank=True)
    log_read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)
    override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    override_reason = models.TextField(_("主管授权理由"), blank=True)
    override_at = models.DateTimeField(_("授权时间"), null=True, blank=True)
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    cancelled_reason = models.CharField(_("取消原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("交接班")
        verbose_name_plural = _("交接班")
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["site"],
                condition=models.Q(state=HandoverState.OPEN),
                name="handover_one_open_per_site",
            ),
            models.UniqueConstraint(
                fields=["assignment"],
                condition=models.Q(state=HandoverState.COMPLETED),
                name="handover_one_completed_per_assignment",
            ),
            models.CheckConstraint(
                condition=models.Q(state__in=HandoverState.values), name="handover_state_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.site} {self.shift_start:%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.state == HandoverState.OPEN


class HandoverCount(models.Model):
    """The count of one post item at a handover; a difference needs the outgoing officer's
    explanation (DT-9)."""

    handover = models.ForeignKey(Handover, on_delete=models.CASCADE, related_name="counts")
    post_item = models.ForeignKey(PostItem, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("物品"), max_length=50)
    expected = models.PositiveIntegerField(_("应有"))
    counted = models.PositiveIntegerField(_("实点"), null=True, blank=True)
    explanation = models.CharField(_("交班人说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("公物清点")
        verbose_name_plural = _("公物清点")
        ordering = ["handover_id", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["handover", "post_item"], name="count_unique")
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.counted}/{self.expected}"

    @property
    def difference(self) -> int | None:
        return None if self.counted is None else self.counted - self.expected


class HandoverLine(models.Model):
    """An open item of the shift, shown at handover and carried over to the incoming officer."""

    handover = models.ForeignKey(Handover, on_delete=models.CASCADE, related_name="lines")
    source = models.CharField(_("来源"), max_length=30)
    ref = models.CharField(_("编号"), max_length=60)
    title = models.CharField(_("事项"), max_length=200)
    url = models.CharField(max_length=300, blank=True)
    important = models.BooleanField(_("重要"), default=False)
    blocking = models.BooleanField(_("不得交班"), default=False)
    taken_over = models.BooleanField(_("已接手"), default=False)
    note = models.CharField(_("跟进说明"), max_length=200, blank=True)
    carried_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("交接事项")
        verbose_name_plural = _("交接事项")
        ordering = ["handover_id", "-blocking", "-important", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["handover", "source", "ref"], name="line_unique")
        ]

    def __str__(self) -> str:
        return self.title


class HandoverAnomaly(models.Model):
    """An anomaly the incoming officer found in the area, with the outgoing officer's
    explanation (DT-9)."""

    handover = models.ForeignKey(Handover, on_delete=models.CASCADE, related_name="anomalies")
    area = models.CharField(_("区域"), max_length=80)
    description = models.CharField(_("异常情况"), max_length=300)
    explanation = models.CharField(_("交班人解释"), max_length=300)
    recorded_at = models.DateTimeField(_("记录时间"))

    class Meta:
        verbose_name = _("交接异常")
        verbose_name_plural = _("交接异常")
        ordering = ["handover_id", "pk"]

    def __str__(self) -> str:
        return f"{self.area}: {self.description}"


class LogSignoff(models.Model):
    """The CS supervisor's morning signature on one log day's duty log (DT-11). A log day runs
    from one morning's handover to the next (it holds the night's shift)."""

    site = models.ForeignKey("org.Site", on_delete=models.PROTECT, related_name="+")
    day = models.DateField(_("值班日"))
    period_start = models.DateTimeField(_("起"))
    period_end = models.DateTimeField(_("止"))
    through_seq = models.BigIntegerField(_("签阅至记录"))
    entry_count = models.PositiveIntegerField(_("记录条数"))
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(_("签阅时间"))
    comment = models.CharField(_("意见"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("值班记录签阅")
        verbose_name_plural = _("值班记录签阅")
        ordering = ["site_id", "-day"]
        constraints = [models.UniqueConstraint(fields=["site", "day"], name="signoff_unique")]

    def __str__(self) -> str:
        return f"{self.site} {self.day}"


class DutyAlert(models.Model):
    """A reminder or warning already sent (roster reminder, missing roster, unsigned log):
    the unique key makes every job idempotent."""

    site = models.ForeignKey("org.Site", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=120)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("值班提醒")
        verbose_name_plural = _("值班提醒")
        constraints = [models.UniqueConstraint(fields=["site", "key"], name="dutyalert_unique")]

    def __str__(self) -> str:
        return self.key
