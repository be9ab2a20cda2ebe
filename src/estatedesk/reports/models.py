"""Reports (RP-1..RP-8, DS-9) and records (RT-1..RT-5).

Three kinds of rows live here:

- derived tables the scheduler keeps current so report pages never scan tickets:
  ``TicketFact`` (one narrow row per ticket with its dimensions and durations),
  ``DailyTicketStats``/``MonthlyTicketStats`` and ``DailyClockStats``/``MonthlyClockStats``
  (per site and local day or month), ``RollupState``;
- records of their own: training sessions (RP-8), resident surveys (RP-6), the yearly register
  archive (RT-1) and the log of every retention run (RT-1..RT-3);
- nothing else: RP-4 exceptions live on ``sla.ClockException``, the suggestion box on
  ``portal.Suggestion``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from estatedesk.core.models import AppendOnlyError
from estatedesk.reports.enums import Dimension, Procedure, QuestionKind, RecordClass, SurveyState

USER = settings.AUTH_USER_MODEL


def _empty_list() -> list[Any]:
    return []


def _empty_dict() -> dict[str, Any]:
    return {}


# --- derived tables ------------------------------------------------------------------------


class TicketFact(models.Model):
    """One ticket as the reports see it, recomputed by ``rollups`` whenever the ticket has a
    new audit event. Dimensions are copied (building from the unit or the public place) so
    every figure reads this table alone through the (site, day) index."""

    ticket = models.OneToOneField(
        "tickets.Ticket", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    site = models.ForeignKey("org.Site", on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("受理日期"))
    received_at = models.DateTimeField(_("受理时间"))
    kind = models.CharField(_("类别"), max_length=24)
    channel = models.CharField(_("渠道"), max_length=12)
    department = models.ForeignKey(
        "org.Department", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    building = models.ForeignKey(
        "org.Building", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    unit = models.ForeignKey(
        "org.Unit", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    place = models.ForeignKey(
        "org.PublicPlace", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    assignee = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    is_open = models.BooleanField(_("待处理"))
    is_cancelled = models.BooleanField(_("已作废"))
    first_response_seconds = models.PositiveIntegerField(_("首次响应用时(秒)"), null=True)
    resolution_seconds = models.PositiveIntegerField(_("完成用时(秒)"), null=True)
    rating = models.PositiveSmallIntegerField(_("评价"), null=True)
    reopened_count = models.PositiveSmallIntegerField(_("返工次数"), default=0)
    # RP-5: another ticket of the same kind at the same unit or public place was received in
    # the 30 days before this one.
    is_repeat = models.BooleanField(_("30 天内重复"), default=False)
    # ticket id % 100: a large period's percentiles read the rows with sample < n only, through
    # the (sample, site, day) index, instead of every row of the period.
    sample = models.PositiveSmallIntegerField(default=0)
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("工单统计行")
        verbose_name_plural = _("工单统计行")
        indexes = [
            models.Index(fields=["site", "day"], name="fact_site_day"),
            models.Index(
                fields=["site", "day"],
                condition=Q(is_repeat=True),
                name="fact_site_day_repeat",
            ),
            models.Index(fields=["sample", "site", "day"], name="fact_sample_site_day"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.day}"


class TicketMeasures(models.Model):
    """Counts and sums of a group of tickets (their TicketFact rows)."""

    received = models.PositiveIntegerField(_("受理数"), default=0)
    open = models.PositiveIntegerField(_("待处理数"), default=0)
    cancelled = models.PositiveIntegerField(_("作废数"), default=0)
    resolved = models.PositiveIntegerField(_("已完成数"), default=0)
    resolution_seconds = models.BigIntegerField(_("完成用时合计(秒)"), default=0)
    responded = models.PositiveIntegerField(_("已响应数"), default=0)
    first_response_seconds = models.BigIntegerField(_("首次响应用时合计(秒)"), default=0)
    rated = models.PositiveIntegerField(_("已评价数"), default=0)
    rating_sum = models.PositiveIntegerField(_("评分合计"), default=0)
    rated_1 = models.PositiveIntegerField(default=0)
    rated_2 = models.PositiveIntegerField(default=0)
    rated_3 = models.PositiveIntegerField(default=0)
    rated_4 = models.PositiveIntegerField(default=0)
    rated_5 = models.PositiveIntegerField(default=0)
    reopened = models.PositiveIntegerField(_("返工工单数"), default=0)
    repeats = models.PositiveIntegerField(_("30 天内重复数"), default=0)

    class Meta:
        abstract = True


TICKET_MEASURES = [
    f.name for f in TicketMeasures._meta.local_fields if isinstance(f, models.IntegerField)
]


class DailyTicketStats(TicketMeasures):
    """The tickets received at one site on one local day, once in total (dimension ``all``)
    and once per value (``key``) of each dimension: kind, channel, department, building,
    public place. One dimension at a time keeps the rows few: about one per value in use."""

    site = models.ForeignKey("org.Site", on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("日期"))
    dimension = models.CharField(_("维度"), max_length=12, choices=Dimension.choices)
    key = models.CharField(_("取值"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("每日工单统计")
        verbose_name_plural = _("每日工单统计")
        indexes = [
            models.Index(fields=["site", "dimension", "day"], name="ticketstats_site_dim_day")
        ]

    def __str__(self) -> str:
        return f"{self.site_id} {self.day} {self.dimension}={self.key} {self.received}"


class MonthlyTicketStats(TicketMeasures):
    """The same per calendar month (``month`` is its first day), summed from the daily rows:
    what a year-long report reads."""

    site = models.ForeignKey("org.Site", on_delete=models.CASCADE, related_name="+")
    month = models.DateField(_("月份"))
    dimension = models.CharField(_("维度"), max_length=12, choices=Dimension.choices)
    key = models.CharField(_("取值"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("每月工单统计")
        verbose_name_plural = _("每月工单统计")
        indexes = [
            models.Index(fields=["site", "dimension", "month"], name="ticketstats_site_dim_month")
        ]

    def __str__(self) -> str:
        return f"{self.site_id} {self.month:%Y-%m} {self.dimension}={self.key} {self.received}"


class ClockMeasures(models.Model):
    kind = models.CharField(_("时限类别"), max_length=40)
    rule = models.CharField(_("规程条款"), max_length=20)
    department = models.ForeignKey(
        "org.Department", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    met = models.PositiveIntegerField(_("按时"), default=0)
    missed = models.PositiveIntegerField(_("超时"), default=0)
    pending = models.PositiveIntegerField(_("未到期"), default=0)

    class Meta:
        abstract = True


class DailyClockStats(ClockMeasures):
    """DS-9: the clocks of one site due on one local day, per clock kind and department,
    met on time, missed (breached or met late) and still pending."""

    site = models.ForeignKey("org.Site", on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("日期"))

    class Meta:
        verbose_name = _("每日时限统计")
        verbose_name_plural = _("每日时限统计")
        indexes = [models.Index(fields=["site", "day"], name="clockstats_site_day")]

    def __str__(self) -> str:
        return f"{self.site_id} {self.day} {self.kind} {self.met}/{self.missed}"


class MonthlyClockStats(ClockMeasures):
    """DS-9 per calendar month, summed from the daily rows."""

    site = models.ForeignKey("org.Site", on_delete=models.CASCADE, related_name="+")
    month = models.DateField(_("月份"))

    class Meta:
        verbose_name = _("每月时限统计")
        verbose_name_plural = _("每月时限统计")
        indexes = [models.Index(fields=["site", "month"], name="clockstats_site_month")]

    def __str__(self) -> str:
        return f"{self.site_id} {self.month:%Y-%m} {self.kind} {self.met}/{self.missed}"


class RollupState(models.Model):
    """Where the rollup job stands: the last audit event it has read and, while the first
    fill of a database runs, the last ticket id it has computed."""

    name = models.CharField(max_length=40, unique=True)
    events_through = models.BigIntegerField(default=0)
    backfill_through = models.BigIntegerField(default=0)
    backfill_done = models.BooleanField(default=False)
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("统计进度")
        verbose_name_plural = _("统计进度")

    def __str__(self) -> str:
        return f"{self.name} @{self.events_through}"


# --- RP-8 training -------------------------------------------------------------------------


class TrainingSession(models.Model):
    """RP-8: one training of a site's staff on a family of procedures."""

    site = models.ForeignKey("org.Site", on_delete=models.CASCADE, related_name="+")
    procedure = models.CharField(_("培训规程"), max_length=4, choices=Procedure.choices)
    topic = models.CharField(_("主题"), max_length=200)
    held_on = models.DateField(_("培训日期"))
    hours = models.DecimalField(_("学时"), max_digits=4, decimal_places=1, default=1)
    trainer = models.CharField(_("讲师"), max_length=50)
    notes = models.TextField(_("内容摘要"), blank=True)
    attendees: models.ManyToManyField[Any, Any] = models.ManyToManyField(
        USER, through="TrainingAttendance", related_name="+", verbose_name=_("参训人员")
    )
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("培训记录")
        verbose_name_plural = _("培训记录")
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["site", "held_on"], name="training_site_day")]

    def __str__(self) -> str:
        return f"{self.held_on} {self.procedure} {self.topic}"


class TrainingAttendance(models.Model):
    session = models.ForeignKey(
        TrainingSession, on_delete=models.CASCADE, related_name="attendance"
    )
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("参训记录")
        verbose_name_plural = _("参训记录")
        constraints = [
            models.UniqueConstraint(fields=["session", "user"], name="training_attendance_once")
        ]
        indexes = [models.Index(fields=["user", "session"], name="training_user")]

    def __str__(self) -> str:
        return f"{self.session_id}:{self.user_id}"


# --- RP-6 satisfaction survey ---------------------------------------------------------------


class Survey(models.Model):
    """RP-6: a resident satisfaction survey of one site; one answer per household (unit)."""

    site = models.ForeignKey("org.Site", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    title = models.CharField(_("标题"), max_length=120)
    intro = models.TextField(_("说明"), blank=True)
    state = models.CharField(
        _("状态"), max_length=8, choices=SurveyState.choices, default=SurveyState.DRAFT
    )
    closes_on = models.DateField(_("截止日期"))
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    opened_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    # The invitation job walks the site's units in id order (SMS to one occupant each).
    invited_through_unit = models.BigIntegerField(default=0)
    invited = models.PositiveIntegerField(_("已邀请户数"), default=0)
    invitations_done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("满意度调查")
        verbose_name_plural = _("满意度调查")
        ordering = ["-year", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=SurveyState.values), name="survey_state_valid"
            )
        ]
        indexes = [models.Index(fields=["site", "state"], name="survey_site_state")]

    def __str__(self) -> str:
        return f"{self.year} {self.title}"


class SurveyQuestion(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(_("序号"))
    text = models.CharField(_("问题"), max_length=200)
    kind = models.CharField(_("题型"), max_length=8, choices=QuestionKind.choices)
    choices = models.JSONField(_("选项"), default=_empty_list, blank=True)
    required = models.BooleanField(_("必答"), default=True)

    class Meta:
        verbose_name = _("调查问题")
        verbose_name_plural = _("调查问题")
        ordering = ["survey", "position"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "position"], name="survey_question_pos")
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.text}"


class SurveyResponse(models.Model):
    """One household's answers; the unique (survey, unit) row is what makes it one per unit."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    unit = models.ForeignKey("org.Unit", on_delete=models.CASCADE, related_name="+")
    building = models.ForeignKey("org.Building", on_delete=models.CASCADE, related_name="+")
    resident = models.ForeignKey(
        "org.Resident", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(_("提交时间"))

    class Meta:
        verbose_name = _("调查答卷")
        verbose_name_plural = _("调查答卷")
        constraints = [
            models.UniqueConstraint(fields=["survey", "unit"], name="survey_one_per_unit")
        ]
        indexes = [models.Index(fields=["survey", "building"], name="survey_response_bldg")]

    def __str__(self) -> str:
        return f"{self.survey_id}:{self.unit_id}"


class SurveyAnswer(models.Model):
    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(SurveyQuestion, on_delete=models.CASCADE, related_name="answers")
    rating = models.PositiveSmallIntegerField(_("评分"), null=True, blank=True)
    choice = models.CharField(_("选项"), max_length=100, blank=True)
    text = models.TextField(_("意见"), blank=True)

    class Meta:
        verbose_name = _("调查回答")
        verbose_name_plural = _("调查回答")
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="survey_answer_once"),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="survey_rating_1_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.response_id}:{self.question_id}"


# --- RT records ------------------------------------------------------------------------------


class RegisterArchive(models.Model):
    """RT-1 / RQ-13: the frozen copy of a site's request register of one year, made at the
    start of the next year: an xlsx and a printable HTML file under MEDIA_ROOT, each with its
    SHA-256 so a later reader can prove the file is the one archived."""

    site = models.ForeignKey("org.Site", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    ticket_count = models.PositiveIntegerField(_("工单数"))
    open_count = models.PositiveIntegerField(_("归档时未结数"), default=0)
    xlsx_path = models.CharField(max_length=255, unique=True)
    xlsx_sha256 = models.CharField(_("xlsx SHA-256"), max_length=64)
    xlsx_size = models.PositiveBigIntegerField(default=0)
    html_path = models.CharField(max_length=255, unique=True)
    html_sha256 = models.CharField(_("打印版 SHA-256"), max_length=64)
    html_size = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(_("归档时间"))
    created_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("报事登记表年度归档")
        verbose_name_plural = _("报事登记表年度归档")
        ordering = ["-year", "site_id"]
        constraints = [
            models.UniqueConstraint(fields=["site", "year"], name="register_archive_once")
        ]

    def __str__(self) -> str:
        return f"{self.site_id} {self.year}"


class RetentionRun(models.Model):
    """One removal by the retention job (RT-1..RT-3): which class, how many, when, under which
    policy and cutoff. Append-only: the record of a removal is never removed itself."""

    ran_at = models.DateTimeField(_("执行时间"))
    site = models.ForeignKey(
        "org.Site", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    record_class = models.CharField(_("资料类别"), max_length=24, choices=RecordClass.choices)
    policy = models.CharField(_("依据"), max_length=200)
    cutoff = models.DateField(_("保存截止"))
    removed = models.PositiveIntegerField(_("删除条数"))
    kept_on_hold = models.PositiveIntegerField(_("法律保全保留数"), default=0)
    details = models.JSONField(_("明细"), default=_empty_dict, blank=True)
    actor = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(_("执行人"), max_length=150)

    class Meta:
        verbose_name = _("保存期限清理记录")
        verbose_name_plural = _("保存期限清理记录")
        ordering = ["-ran_at", "-id"]
        indexes = [models.Index(fields=["site", "ran_at"], name="retention_run_site")]

    def __str__(self) -> str:
        return f"{self.ran_at:%Y-%m-%d} {self.record_class} -{self.removed}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise AppendOnlyError()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError()
