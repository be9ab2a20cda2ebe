"""Trained models per company and the suggestions made with them.

A suggestion records what the model proposed, with which model version, and - once a staff
member confirmed or corrected it - the confirmed labels. Confirmed suggestions are the
company's training data: the correction is the training signal.
"""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from estatedesk.org.enums import DepartmentKind
from estatedesk.triage.enums import EmergencyCategory, HitSource, Kind, Severity


class TriageModel(models.Model):
    """One training run. ``company`` empty = the starter model trained on the shipped set."""

    company = models.ForeignKey(
        "org.Company",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="triage_models",
        verbose_name=_("公司"),
    )
    version = models.CharField(_("版本"), max_length=60, unique=True)
    trained_at = models.DateTimeField(_("训练时间"))
    n_samples = models.PositiveIntegerField(_("训练样本数"))
    n_company_samples = models.PositiveIntegerField(_("本公司确认样本数"), default=0)
    metrics = models.JSONField(_("评估指标"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    file_path = models.CharField(_("模型文件"), max_length=500)

    class Meta:
        verbose_name = _("分诊模型")
        verbose_name_plural = _("分诊模型")
        ordering = ["-trained_at", "-id"]
        indexes = [models.Index(fields=["company", "-trained_at"], name="triage_model_latest")]

    def __str__(self) -> str:
        return self.version


class Suggestion(models.Model):
    site = models.ForeignKey(
        "org.Site", on_delete=models.CASCADE, related_name="triage_suggestions"
    )
    text = models.TextField(_("报事内容"))
    text_hash = models.CharField(max_length=64, db_index=True)
    channel = models.CharField(_("渠道"), max_length=20, blank=True)
    kind = models.CharField(_("建议类别"), max_length=20, choices=Kind.choices)
    kind_confidence = models.FloatField(_("类别置信度"))
    department = models.CharField(_("建议部门"), max_length=20, choices=DepartmentKind.choices)
    department_confidence = models.FloatField(_("部门置信度"))
    severity = models.CharField(
        _("建议投诉等级"), max_length=10, choices=Severity.choices, blank=True
    )
    severity_confidence = models.FloatField(_("等级置信度"), null=True, blank=True)
    emergency_category = models.CharField(
        _("紧急类别"), max_length=20, choices=EmergencyCategory.choices, blank=True
    )
    emergency_phrase = models.CharField(_("触发短语"), max_length=100, blank=True)
    emergency_source = models.CharField(
        _("触发来源"), max_length=10, choices=HitSource.choices, blank=True
    )
    emergency_confidence = models.FloatField(null=True, blank=True)
    model_version = models.CharField(_("模型版本"), max_length=60)
    created_at = models.DateTimeField(_("时间"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    confirmed_kind = models.CharField(
        _("确认类别"), max_length=20, choices=Kind.choices, blank=True
    )
    confirmed_department = models.CharField(
        _("确认部门"), max_length=20, choices=DepartmentKind.choices, blank=True
    )
    confirmed_severity = models.CharField(
        _("确认投诉等级"), max_length=10, choices=Severity.choices, blank=True
    )
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The ticket registered from the report (staff intake or the portal); empty when the
    # suggestion was only asked for (API) or the report went to the emergency playbook.
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="triage_suggestions",
        verbose_name=_("工单"),
    )

    class Meta:
        verbose_name = _("分诊建议")
        verbose_name_plural = _("分诊建议")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The training query: a company's confirmed suggestions, newest last.
            models.Index(fields=["site", "confirmed_at"], name="triage_sugg_confirmed"),
            # Accuracy over time: a site's suggestions by week.
            models.Index(fields=["site", "created_at"], name="triage_sugg_site_created"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=Kind.values), name="triage_sugg_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(confirmed_kind__in=[*Kind.values, ""]),
                name="triage_sugg_confirmed_kind_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(confirmed_at__isnull=True) | ~models.Q(confirmed_kind=""),
                name="triage_sugg_confirmed_has_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.text[:20]} -> {self.kind}/{self.department}"

    @property
    def is_corrected(self) -> bool:
        """Confirmed with a label other than the one suggested."""
        return self.confirmed_at is not None and (
            self.confirmed_kind != self.kind
            or self.confirmed_department != self.department
            or self.confirmed_severity != self.severity
        )
