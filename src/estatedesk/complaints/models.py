"""Complaint records (CP-2..CP-10): the one-to-one detail of a complaint ticket, extension
requests, return visits, corrective and preventive action reports, and the weekly and monthly
reviews (RP-1, RP-2, DS-7). Complaint records are kept long-term (RT-4): nothing here cascades
from a ticket, and no page deletes them."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from estatedesk.complaints.enums import (
    VISITED_SEVERITIES,
    CapaReason,
    CapaState,
    ExtensionState,
    NonPropertyKind,
    QualityConclusion,
    ReportVia,
    Satisfaction,
    Scope,
    Severity,
    Stage,
    SummaryState,
    TellVia,
    UpgradeReason,
    Validity,
)
from estatedesk.org.enums import Role

USER = settings.AUTH_USER_MODEL


class ComplaintSettings(models.Model):
    """Per-site settings of the automatic upgrades (CP-3); a site without a row uses the
    defaults (3 times in 30 days, one month)."""

    site = models.OneToOneField(
        "org.Site", on_delete=models.CASCADE, related_name="complaint_settings"
    )
    repeat_count = models.PositiveSmallIntegerField(
        _("重复投诉次数"),
        default=3,
        validators=[MinValueValidator(2), MaxValueValidator(20)],
        help_text=_("同一住户在期限内就同一事项投诉达到该次数（含本次）即升级为重大投诉。"),
    )
    repeat_window_days = models.PositiveSmallIntegerField(
        _("重复投诉统计天数"), default=30, validators=[MinValueValidator(1)]
    )
    similarity_threshold = models.FloatField(
        _("内容相似度阈值"),
        default=0.6,
        validators=[MinValueValidator(0.1), MaxValueValidator(1.0)],
        help_text=_("投诉部门不同时，内容相似度达到该值也视为同一事项。"),
    )
    overdue_months = models.PositiveSmallIntegerField(
        _("未解决升级月数"), default=1, validators=[MinValueValidator(1)]
    )

    class Meta:
        verbose_name = _("投诉设置")
        verbose_name_plural = _("投诉设置")

    def __str__(self) -> str:
        return f"{self.site}: {self.repeat_count}/{self.repeat_window_days}d"


class ComplaintQuerySet(models.QuerySet["Complaint"]):
    def for_sites(self, site_ids: list[int]) -> ComplaintQuerySet:
        return self.filter(site_id__in=site_ids)


class Complaint(models.Model):
    """CP-2/CP-4: what the receiver records at once, plus the form cycle's milestones."""

    ticket = models.OneToOneField(
        "tickets.Ticket", on_delete=models.PROTECT, related_name="complaint"
    )
    site = models.ForeignKey("org.Site", on_delete=models.PROTECT, related_name="complaints")
    received_at = models.DateTimeField(_("受理时间"), help_text=_("工单受理时间的副本，供统计。"))

    # CP-2
    validity = models.CharField(_("有效性"), max_length=10, choices=Validity.choices)
    invalid_reason = models.CharField(_("无效原因"), max_length=300, blank=True)
    scope = models.CharField(_("投诉性质"), max_length=14, choices=Scope.choices)
    non_property_kind = models.CharField(
        _("非物业服务类别"), max_length=20, choices=NonPropertyKind.choices, blank=True
    )
    # CP-3
    severity = models.CharField(_("投诉等级"), max_length=10, choices=Severity.choices)
    initial_severity = models.CharField(_("受理时等级"), max_length=10, choices=Severity.choices)
    upgraded_at = models.DateTimeField(_("升级时间"), null=True, blank=True)
    upgrade_reason = models.CharField(
        _("升级原因"), max_length=10, choices=UpgradeReason.choices, blank=True
    )
    # CP-3: when an unresolved valid complaint becomes major; cleared once it is handled or
    # upgraded, so the job reads only the partial index complaint_upgrade_due.
    upgrade_due_at = models.DateTimeField(_("逾期升级时间"), null=True, blank=True)

    # CP-4
    department = models.ForeignKey(
        "org.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
        verbose_name=_("被投诉部门"),
    )
    complained_person = models.CharField(_("被投诉人"), max_length=50, blank=True)
    demand = models.TextField(_("住户诉求"))
    reasonable_deadline = models.DateTimeField(_("住户要求的合理期限"), null=True, blank=True)
    contact_note = models.CharField(
        _("联系方式说明"), max_length=100, blank=True, help_text=_("例如：工作日晚上 7 点后。")
    )
    apology = models.TextField(_("致歉记录"))

    stage = models.CharField(_("进度"), max_length=12, choices=Stage.choices)
    version = models.PositiveIntegerField(default=1)

    # CP-6
    form_sent_at = models.DateTimeField(_("意见表送达时间"), null=True, blank=True)
    form_signed_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    form_signed_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    leaders_copied_at = models.DateTimeField(_("报送领导时间"), null=True, blank=True)
    # CP-5
    reported_at = models.DateTimeField(_("报告时间"), null=True, blank=True)
    reported_to = models.ForeignKey(
        USER,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("报告对象"),
    )
    report_via = models.CharField(
        _("报告方式"), max_length=10, choices=ReportVia.choices, blank=True
    )
    # CP-7 (major): a clear answer to the complainant within 2 days
    answer = models.TextField(_("明确答复"), blank=True)
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    answered_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # CP-8
    handling = models.TextField(_("处理情况"), blank=True)
    handled_at = models.DateTimeField(_("处理完毕时间"), null=True, blank=True)
    handled_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    caused_by_substandard_work = models.BooleanField(
        _("因工作不合格引起"), default=False, help_text=_("DS-8：须报纠正与预防措施。")
    )
    form_returned_at = models.DateTimeField(_("意见表交回时间"), null=True, blank=True)
    form_returned_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    told_at = models.DateTimeField(_("告知投诉人时间"), null=True, blank=True)
    told_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    told_via = models.CharField(_("告知方式"), max_length=10, choices=TellVia.choices, blank=True)
    told_note = models.TextField(_("告知内容及住户意见"), blank=True)
    closed_at = models.DateTimeField(_("销项时间"), null=True, blank=True)

    related = models.ManyToManyField("self", blank=True, verbose_name=_("同一事项的投诉"))
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    objects = ComplaintQuerySet.as_manager()

    class Meta:
        verbose_name = _("投诉")
        verbose_name_plural = _("投诉")
        constraints = [
            models.CheckConstraint(
                condition=Q(severity__in=Severity.values), name="complaint_severity_valid"
            ),
            models.CheckConstraint(
                condition=Q(stage__in=Stage.values), name="complaint_stage_valid"
            ),
            models.CheckConstraint(
                condition=Q(validity__in=Validity.values), name="complaint_validity_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["site", "received_at"], name="complaint_site_received"),
            models.Index(fields=["site", "stage"], name="complaint_site_stage"),
            models.Index(
                fields=["upgrade_due_at"],
                condition=Q(upgrade_due_at__isnull=False),
                name="complaint_upgrade_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket.number} {self.get_severity_display()}"

    @property
    def is_valid(self) -> bool:
        return self.validity == Validity.VALID

    @property
    def runs_form_cycle(self) -> bool:
        """CP-6..CP-8 apply to valid property-service complaints."""
        return self.is_valid and self.scope == Scope.PROPERTY

    @property
    def needs_return_visit(self) -> bool:
        """CP-9: major and important complaints get a return visit."""
        return self.is_valid and self.severity in VISITED_SEVERITIES

    @property
    def needs_capa(self) -> bool:
        """CP-10 / DS-8: major and important complaints, and those caused by substandard work."""
        return self.is_valid and (
            self.severity in VISITED_SEVERITIES or self.caused_by_substandard_work
        )

    @property
    def capa_reason(self) -> str:
        if self.severity in VISITED_SEVERITIES:
            return CapaReason.SEVERITY
        return CapaReason.SUBSTANDARD

    @property
    def extension_approver_role(self) -> str | None:
        """CP-7: minor needs the CS supervisor's approval, important the site manager's;
        a major complaint's limits are not extended."""
        if self.severity == Severity.MINOR:
            return Role.CS_SUPERVISOR
        if self.severity == Severity.IMPORTANT:
            return Role.SITE_MANAGER
        return None


class ExtensionRequest(models.Model):
    """CP-7: a request to handle a complaint beyond its limit, approved by the right role."""

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="extensions")
    site = models.ForeignKey("org.Site", on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("申请时间"))
    reason = models.TextField(_("延期原因"))
    until = models.DateTimeField(_("申请延至"))
    approver_role = models.CharField(_("审批角色"), max_length=20, choices=Role.choices)
    state = models.CharField(
        _("状态"), max_length=10, choices=ExtensionState.choices, default=ExtensionState.PENDING
    )
    decided_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.CharField(_("审批意见"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("延期申请")
        verbose_name_plural = _("延期申请")
        ordering = ["requested_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["complaint"],
                condition=Q(state=ExtensionState.PENDING),
                name="extension_one_pending",
            )
        ]
        indexes = [
            models.Index(
                fields=["site", "approver_role"],
                condition=Q(state=ExtensionState.PENDING),
                name="extension_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.complaint_id} -> {self.until:%Y-%m-%d %H:%M}"


class ReturnVisit(models.Model):
    """CP-9: the return-visit task of a major or important complaint and its result."""

    complaint = models.OneToOneField(
        Complaint, on_delete=models.PROTECT, related_name="return_visit"
    )
    site = models.ForeignKey("org.Site", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"))
    due_at = models.DateTimeField(_("回访期限"), null=True, blank=True)
    done_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    done_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    via = models.CharField(_("回访方式"), max_length=10, choices=TellVia.choices, blank=True)
    result = models.TextField(_("回访情况"), blank=True)
    satisfaction = models.CharField(
        _("住户满意度"), max_length=14, choices=Satisfaction.choices, blank=True
    )

    class Meta:
        verbose_name = _("投诉回访")
        verbose_name_plural = _("投诉回访")
        indexes = [
            models.Index(
                fields=["site", "due_at"],
                condition=Q(done_at__isnull=True),
                name="return_visit_open",
            )
        ]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.get_satisfaction_display()}"


class CorrectiveAction(models.Model):
    """CP-10 / DS-8: the corrective and preventive action report (《纠正与预防措施》) filed
    with the quality department; only quality closes it, after verification."""

    complaint = models.OneToOneField(Complaint, on_delete=models.PROTECT, related_name="capa")
    site = models.ForeignKey("org.Site", on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("报告原因"), max_length=12, choices=CapaReason.choices)
    nonconformity = models.TextField(_("不合格事实"))
    cause = models.TextField(_("原因分析"))
    correction = models.TextField(_("纠正措施"))
    prevention = models.TextField(_("预防措施"))
    owner = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("责任人")
    )
    due_date = models.DateField(_("完成期限"))
    state = models.CharField(
        _("状态"), max_length=12, choices=CapaState.choices, default=CapaState.OPEN
    )
    version = models.PositiveIntegerField(default=1)
    filed_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField(_("提交时间"))
    implementation_note = models.TextField(_("实施情况"), blank=True)
    implemented_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    implemented_at = models.DateTimeField(_("实施完成时间"), null=True, blank=True)
    verification = models.TextField(_("验证结果"), blank=True)
    verified_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("纠正与预防措施")
        verbose_name_plural = _("纠正与预防措施")
        constraints = [
            models.CheckConstraint(condition=Q(state__in=CapaState.values), name="capa_state_valid")
        ]
        indexes = [models.Index(fields=["site", "state"], name="capa_site_state")]

    def __str__(self) -> str:
        return f"CAPA {self.complaint_id} {self.get_state_display()}"


class WeeklyComplaintReport(models.Model):
    """RP-1: the weekly complaint statistics and analysis generated every Saturday for the
    seven days before it, delivered to each site manager."""

    site = models.ForeignKey("org.Site", on_delete=models.PROTECT, related_name="+")
    saturday = models.DateField(_("报告日（周六）"))
    period_start = models.DateTimeField(_("统计开始"))
    period_end = models.DateTimeField(_("统计截止"))
    figures = models.JSONField(_("统计数据"), default=dict)
    analysis = models.JSONField(_("分析"), default=list)
    generated_at = models.DateTimeField(_("生成时间"))
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    recipients = models.JSONField(_("送达对象"), default=list)

    class Meta:
        verbose_name = _("投诉周报")
        verbose_name_plural = _("投诉周报")
        ordering = ["-saturday", "site_id"]
        constraints = [
            models.UniqueConstraint(fields=["site", "saturday"], name="weekly_report_once")
        ]

    def __str__(self) -> str:
        return f"{self.site_id} {self.saturday}"


class QualityCheck(models.Model):
    """DS-7: the site manager's weekly check of complaint handling quality."""

    report = models.OneToOneField(
        WeeklyComplaintReport, on_delete=models.PROTECT, related_name="quality_check"
    )
    site = models.ForeignKey("org.Site", on_delete=models.PROTECT, related_name="+")
    checked_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    checked_at = models.DateTimeField(_("检查时间"))
    conclusion = models.CharField(_("结论"), max_length=20, choices=QualityConclusion.choices)
    findings = models.TextField(_("检查情况"))
    actions = models.TextField(_("改进要求"), blank=True)
    complaints: models.ManyToManyField[Complaint, Any] = models.ManyToManyField(
        Complaint, blank=True, related_name="+", verbose_name=_("抽查的投诉")
    )

    class Meta:
        verbose_name = _("投诉处理质量检查")
        verbose_name_plural = _("投诉处理质量检查")

    def __str__(self) -> str:
        return f"{self.report_id} {self.get_conclusion_display()}"


class MonthlyComplaintSummary(models.Model):
    """DS-7 / RP-2: 《投诉调度记录月总结表》, summarised by the dispatcher, commented on and
    signed by the site manager."""

    site = models.ForeignKey("org.Site", on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("月份"), help_text=_("该月第一天。"))
    figures = models.JSONField(_("统计数据"), default=dict)
    generated_at = models.DateTimeField(_("生成时间"))
    state = models.CharField(
        _("状态"), max_length=10, choices=SummaryState.choices, default=SummaryState.DRAFT
    )
    version = models.PositiveIntegerField(default=1)
    dispatcher_summary = models.TextField(_("调度员总结"), blank=True)
    submitted_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    manager_comment = models.TextField(_("经理意见"), blank=True)
    signed_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_at = models.DateTimeField(_("签字时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("投诉调度记录月总结")
        verbose_name_plural = _("投诉调度记录月总结")
        ordering = ["-month", "site_id"]
        constraints = [
            models.UniqueConstraint(fields=["site", "month"], name="monthly_summary_once"),
            models.CheckConstraint(
                condition=Q(state__in=SummaryState.values), name="monthly_summary_state_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.site_id} {self.month:%Y-%m}"
