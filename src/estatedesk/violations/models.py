"""Violation cases, their measures ladder, paper documents, evidence, follow-up tasks, the
per-site settings and the month-end finance exports (VI-1..VI-12, RT-3)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from estatedesk.core import clock
from estatedesk.org.enums import Role
from estatedesk.violations.enums import (
    CHARGE_MEASURES,
    OPEN_STATES,
    PENALTY_MEASURES,
    RETENTION_BY_GRADE,
    RETENTION_YEARS,
    CaseState,
    DocumentKind,
    Grade,
    MeasureKind,
    ReinspectResult,
    RetentionClass,
    TaskKind,
    ViolationKind,
    ViolationSubKind,
    ladder_for,
)


def default_penalty_roles() -> list[str]:
    return [Role.SITE_MANAGER.value]


class ViolationSettings(models.Model):
    """Per-site choices where the source procedures differ (VI-6, VI-9)."""

    site = models.OneToOneField(
        "org.Site", on_delete=models.CASCADE, related_name="violation_settings"
    )
    covenant_allows_cutoff = models.BooleanField(
        _("业主规约允许停水停电"),
        default=False,
        help_text=_("只有业主规约（管理公约）中有相应条款时才可停水停电（VI-6）。"),
    )
    penalty_roles = models.JSONField(
        _("可决定处罚的角色"),
        default=default_penalty_roles,
        help_text=_("管理处经理始终可以；部分管理处还允许客服中心主管或分管副总（VI-9）。"),
    )
    cutoff_notice_days = models.PositiveSmallIntegerField(_("停水停电提前书面通知天数"), default=3)
    cutoff_visit_minutes = models.PositiveSmallIntegerField(
        _("停水停电前上门告知分钟数"), default=5
    )
    relations_followup_days = models.PositiveSmallIntegerField(_("处罚后回访期限(天)"), default=7)
    updated_at = models.DateTimeField(_("更新时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("违章处理设置")
        verbose_name_plural = _("违章处理设置")

    def __str__(self) -> str:
        return f"{self.site}"


class ViolationCase(models.Model):
    """One resident violation or fee-arrears case, from registration to resolution (VI-7)."""

    site = models.ForeignKey("org.Site", on_delete=models.PROTECT, related_name="+")
    number = models.CharField(_("编号"), max_length=24, unique=True)
    unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="violation_cases", verbose_name=_("房屋")
    )
    resident = models.ForeignKey(
        "org.Resident",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="violation_cases",
        verbose_name=_("住户"),
    )
    kind = models.CharField(_("违章类别"), max_length=20, choices=ViolationKind.choices)
    sub_kind = models.CharField(_("违章情形"), max_length=40, choices=ViolationSubKind.choices)
    location = models.CharField(_("地点"), max_length=200)
    occurred_at = models.DateTimeField(_("发现时间"))
    witness = models.CharField(_("发现人"), max_length=100)
    description = models.TextField(_("违章情况"))
    onsite_persuasion = models.TextField(_("现场劝阻情况"), blank=True)
    grade = models.CharField(_("等级"), max_length=10, choices=Grade.choices)
    causes_loss = models.BooleanField(_("已对住户或管理处造成损失"), default=False)
    endangers_safety = models.BooleanField(_("危及公共安全"), default=False)
    state = models.CharField(
        _("状态"), max_length=12, choices=CaseState.choices, default=CaseState.REGISTERED
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("承办人"),
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("登记人"),
    )
    registered_at = models.DateTimeField(_("登记时间"))
    resolved_at = models.DateTimeField(_("解决时间"), null=True, blank=True)
    resolution = models.TextField(_("处理结果"), blank=True)
    retention_class = models.CharField(_("保存期限"), max_length=12, choices=RetentionClass.choices)
    retain_until = models.DateField(_("保存至"))
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("违章案件")
        verbose_name_plural = _("违章案件")
        ordering = ["-registered_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state__in=CaseState.values), name="violation_case_state"
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(grade=Grade.GENERAL, retention_class=RetentionClass.GENERAL_1Y)
                    | models.Q(grade=Grade.MAJOR, retention_class=RetentionClass.MAJOR_5Y)
                ),
                name="violation_case_retention_matches_grade",
            ),
        ]
        indexes = [
            models.Index(fields=["site", "state", "registered_at"], name="violation_site_state"),
            models.Index(fields=["retain_until"], name="violation_retain_until"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def ladder(self) -> tuple[str, ...]:
        return ladder_for(self.kind)

    def retain_until_for(self, grade: str, resolved_at: dt.datetime | None) -> dt.date:
        """VI-12 / RT-3: kept N years from resolution (from registration while still open)."""
        base = clock.localtime(resolved_at or self.registered_at).date()
        return add_years(base, RETENTION_YEARS[RETENTION_BY_GRADE[Grade(grade)]])


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year + years, day=28)


class ViolationDocument(models.Model):
    """A numbered paper form: 《协调单》, 《违章整改通知书》 or the VI-6 cut-off notice."""

    case = models.ForeignKey(ViolationCase, on_delete=models.CASCADE, related_name="documents")
    site = models.ForeignKey("org.Site", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("类别"), max_length=24, choices=DocumentKind.choices)
    number = models.CharField(_("编号"), max_length=24, unique=True)
    addressee = models.CharField(_("致"), max_length=100)
    content = models.TextField(_("内容"))
    deadline = models.DateTimeField(_("整改期限"), null=True, blank=True)
    scheduled_for = models.DateTimeField(_("计划停水停电时间"), null=True, blank=True)
    issued_at = models.DateTimeField(_("签发时间"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("违章文书")
        verbose_name_plural = _("违章文书")
        ordering = ["-issued_at", "-id"]
        indexes = [models.Index(fields=["site", "issued_at"], name="violation_doc_site_issued")]

    def __str__(self) -> str:
        return self.number


class Measure(models.Model):
    """One step of the ladder (VI-4/VI-5), in the order it was recorded (``seq``).

    Penalties take effect when signed by someone holding the penalty authority (VI-9, VI-10):
    ``signed_at`` is the moment of effect and the month the charge goes to finance.
    """

    case = models.ForeignKey(ViolationCase, on_delete=models.CASCADE, related_name="measures")
    site = models.ForeignKey("org.Site", on_delete=models.PROTECT, related_name="+")
    seq = models.PositiveSmallIntegerField(_("序号"))
    kind = models.CharField(_("措施"), max_length=24, choices=MeasureKind.choices)
    details = models.TextField(_("情况说明"))
    out_of_order_reason = models.TextField(_("越级原因"), blank=True)
    amount = models.DecimalField(
        _("金额(元)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    deadline = models.DateTimeField(_("整改期限"), null=True, blank=True)
    document = models.ForeignKey(
        ViolationDocument,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="measures",
        verbose_name=_("文书"),
    )
    committee_support = models.TextField(_("业委会支持情况"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("记录时间"))
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("签发人"),
    )
    signed_at = models.DateTimeField(_("签发生效时间"), null=True, blank=True)
    scheduled_at = models.DateTimeField(_("计划停水停电时间"), null=True, blank=True)
    visit_at = models.DateTimeField(_("上门告知时间"), null=True, blank=True)
    visit_note = models.CharField(_("上门告知情况"), max_length=200, blank=True)
    executed_at = models.DateTimeField(_("执行时间"), null=True, blank=True)
    restored_at = models.DateTimeField(_("恢复时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("处理措施")
        verbose_name_plural = _("处理措施")
        ordering = ["case", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["case", "seq"], name="violation_measure_seq"),
            models.CheckConstraint(
                condition=models.Q(amount__isnull=True) | models.Q(amount__gt=0),
                name="violation_measure_amount_positive",
            ),
        ]
        indexes = [models.Index(fields=["site", "signed_at"], name="violation_measure_signed")]

    def __str__(self) -> str:
        return f"{self.case_id}#{self.seq} {self.kind}"

    @property
    def is_penalty(self) -> bool:
        return self.kind in PENALTY_MEASURES

    @property
    def is_charge(self) -> bool:
        return self.kind in CHARGE_MEASURES and self.amount is not None

    @property
    def cutoff_active(self) -> bool:
        return (
            self.kind == MeasureKind.CUTOFF
            and self.executed_at is not None
            and self.restored_at is None
        )


class Evidence(models.Model):
    """A photo or PDF kept under MEDIA_ROOT and streamed only by an access-checked view."""

    case = models.ForeignKey(ViolationCase, on_delete=models.CASCADE, related_name="evidence")
    site = models.ForeignKey("org.Site", on_delete=models.PROTECT, related_name="+")
    path = models.CharField(max_length=255, unique=True)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    original_name = models.CharField(_("文件名"), max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("上传时间"))

    class Meta:
        verbose_name = _("证据")
        verbose_name_plural = _("证据")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class CaseTask(models.Model):
    """A follow-up owed by the CS center: re-inspection at a rectification deadline (VI-4),
    restoring supply (VI-6), contacting the resident after a penalty (VI-11)."""

    case = models.ForeignKey(ViolationCase, on_delete=models.CASCADE, related_name="tasks")
    site = models.ForeignKey("org.Site", on_delete=models.PROTECT, related_name="+")
    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="tasks")
    kind = models.CharField(_("任务"), max_length=20, choices=TaskKind.choices)
    due_at = models.DateTimeField(_("期限"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("负责人"),
    )
    created_at = models.DateTimeField(_("创建时间"))
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    result = models.CharField(
        _("复查结果"), max_length=20, choices=ReinspectResult.choices, blank=True
    )
    note = models.TextField(_("情况"), blank=True)
    overdue_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("跟进任务")
        verbose_name_plural = _("跟进任务")
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["measure", "kind"], name="violation_task_measure_kind")
        ]
        indexes = [
            # The overdue sweep reads only open tasks that are due (style: partial index).
            models.Index(
                fields=["due_at"],
                condition=models.Q(done_at__isnull=True),
                name="violation_task_open_due",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.case_id}"

    def is_overdue(self, now: dt.datetime) -> bool:
        return self.done_at is None and self.due_at <= now


class FinanceExport(models.Model):
    """A month-end copy of the charges to residents sent to finance (VI-10); the file is kept."""

    site = models.ForeignKey("org.Site", on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("月份"))
    sequence = models.PositiveSmallIntegerField(_("第几次导出"), default=1)
    path = models.CharField(max_length=255, unique=True)
    sha256 = models.CharField(max_length=64)
    rows = models.PositiveIntegerField(_("笔数"))
    total = models.DecimalField(_("合计(元)"), max_digits=12, decimal_places=2)
    snapshot = models.JSONField(default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("导出时间"))

    class Meta:
        verbose_name = _("财务导出")
        verbose_name_plural = _("财务导出")
        ordering = ["-month", "-sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "month", "sequence"], name="violation_export_site_month_seq"
            )
        ]

    def __str__(self) -> str:
        return f"{self.site_id} {self.month:%Y-%m} #{self.sequence}"

    @property
    def filename(self) -> str:
        return f"violation-charges-{self.month:%Y-%m}-{self.sequence}.xlsx"
