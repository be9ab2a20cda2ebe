"""Emergencies (EM-1..EM-7): escalation chains and their pages, playbooks and the record of each
step walked, responders, leaders' instructions, and the case that ties them to its Ticket."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from estatedesk.emergencies.enums import (
    EMERGENCY_KINDS,
    AckVia,
    CaseState,
    ChainState,
    PageOutcome,
    ResponderStatus,
    Severity,
)
from estatedesk.org.enums import Role
from estatedesk.tickets.enums import TicketKind

EMERGENCY_KIND_CHOICES = [(k, label) for k, label in TicketKind.choices if k in EMERGENCY_KINDS]


def _empty_list() -> list[Any]:
    return []


# --- escalation chains (EM-2) -----------------------------------------------------------------


class EscalationChain(models.Model):
    """Who is paged, in which order, when an emergency comes in (EM-2).

    The row without a site is the company default (seeded: site manager -> deputy GM in charge
    -> GM, 5 minutes each); a site's own row replaces it there. In the admin, open the default
    and use "save as new" with a site chosen to give a site its own chain.
    """

    site = models.OneToOneField(
        "org.Site",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="escalation_chain",
        verbose_name=_("管理处"),
        help_text=_("留空为公司默认；管理处自己的呼叫链覆盖默认。"),
    )
    name = models.CharField(_("名称"), max_length=100)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("紧急呼叫链")
        verbose_name_plural = _("紧急呼叫链")
        constraints = [
            # At most one active company default.
            models.UniqueConstraint(
                fields=["is_active"],
                condition=Q(site__isnull=True, is_active=True),
                name="chain_one_default",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class EscalationLevel(models.Model):
    """One level of a chain: the holders of ``role`` at the site (the on-call list first) are
    paged and must acknowledge within ``timeout_minutes``, else the next level is paged."""

    chain = models.ForeignKey(EscalationChain, on_delete=models.CASCADE, related_name="levels")
    position = models.PositiveSmallIntegerField(_("顺序"), validators=[MinValueValidator(1)])
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    label = models.CharField(_("显示名称"), max_length=50, blank=True)
    timeout_minutes = models.PositiveSmallIntegerField(
        _("确认时限(分钟)"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text=_("在此时间内无人确认收到，即越级呼叫下一级。"),
    )

    class Meta:
        verbose_name = _("呼叫级别")
        verbose_name_plural = _("呼叫级别")
        ordering = ["chain", "position"]
        constraints = [
            models.UniqueConstraint(fields=["chain", "position"], name="chain_level_position"),
            models.CheckConstraint(condition=Q(position__gte=1), name="chain_level_position_1"),
            models.CheckConstraint(
                condition=Q(timeout_minutes__gte=1), name="chain_level_timeout_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.display_label}"

    @property
    def display_label(self) -> str:
        return self.label or str(Role(self.role).label)


# --- playbooks (EM-6, EM-7) ---------------------------------------------------------------------


class Playbook(models.Model):
    """The checklist of one emergency kind, walked step by step (EM-6, EM-7).

    The row without a site is the company default; a site's own playbook for the same kind
    replaces it there ("save as new" in the admin copies the steps). ``branches`` lists the
    choices of a branching playbook, e.g. emergency medical's hospital / call 120 / short-term
    care: ``[{"code": "call_120", "label": "呼叫 120"}]``. A running case keeps a copy of the
    steps it started with, so editing a playbook never rewrites a case.
    """

    site = models.ForeignKey(
        "org.Site",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="emergency_playbooks",
        verbose_name=_("管理处"),
        help_text=_("留空为公司默认。"),
    )
    kind = models.CharField(_("事件类别"), max_length=24, choices=EMERGENCY_KIND_CHOICES)
    name = models.CharField(_("名称"), max_length=100)
    procedure = models.CharField(
        _("执行程序"),
        max_length=150,
        help_text=_("事件所执行的程序名称，记入事件（EM-7），例如《保安部火警火灾应急处理程序》。"),
    )
    rule = models.CharField(_("规程条款"), max_length=20, blank=True)
    branches = models.JSONField(_("处置分支"), default=_empty_list, blank=True)
    cautions = models.TextField(
        _("注意事项"), blank=True, help_text=_("每行一条，事件页面醒目显示。")
    )
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("应急预案")
        verbose_name_plural = _("应急预案")
        ordering = ["site_id", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["site", "kind"], name="playbook_site_kind"),
            models.UniqueConstraint(
                fields=["kind"], condition=Q(site__isnull=True), name="playbook_default_kind"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if not isinstance(self.branches, list) or any(
            not isinstance(b, dict) or not b.get("code") or not b.get("label")
            for b in self.branches
        ):
            raise ValidationError(
                {"branches": _('格式：[{"code": "call_120", "label": "呼叫 120"}, ...]')}
            )

    @property
    def branch_labels(self) -> dict[str, str]:
        return {str(b["code"]): str(b["label"]) for b in self.branches or []}

    @property
    def caution_lines(self) -> list[str]:
        return [line.strip() for line in self.cautions.splitlines() if line.strip()]


class PlaybookStep(models.Model):
    playbook = models.ForeignKey(Playbook, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(_("顺序"))
    branch = models.CharField(
        _("所属分支"), max_length=20, blank=True, help_text=_("留空为各分支共同步骤。")
    )
    text = models.CharField(_("步骤"), max_length=300)
    detail = models.TextField(_("说明"), blank=True)
    records_contact = models.BooleanField(
        _("立项时记录地址和电话"),
        default=False,
        help_text=_("该步骤在立项时以登记的地址、电话自动完成（EM-6 先问地址电话）。"),
    )
    chooses_branch = models.BooleanField(
        _("选择处置分支"), default=False, help_text=_("完成该步骤时须选定处置分支。")
    )

    class Meta:
        verbose_name = _("预案步骤")
        verbose_name_plural = _("预案步骤")
        ordering = ["playbook", "position"]
        constraints = [
            models.UniqueConstraint(fields=["playbook", "position"], name="playbook_step_position")
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.text}"

    def clean(self) -> None:
        if self.branch and self.playbook_id and self.branch not in self.playbook.branch_labels:
            raise ValidationError({"branch": _("该预案没有这个分支。")})


# --- the case -----------------------------------------------------------------------------------


class EmergencyCaseQuerySet(models.QuerySet["EmergencyCase"]):
    def unsigned(self) -> EmergencyCaseQuerySet:
        return self.filter(state__in=[CaseState.OPEN, CaseState.SETTLED])


class EmergencyCase(models.Model):
    """An emergency (EM-1): one-to-one with its Ticket, holding what the ticket does not - who
    holds the post for it (EM-4), the escalation chain's state (EM-2), which procedure and
    branch ran (EM-6, EM-7), and the site manager's sign-off (EM-5)."""

    ticket = models.OneToOneField(
        "tickets.Ticket", on_delete=models.PROTECT, related_name="emergency"
    )
    site = models.ForeignKey("org.Site", on_delete=models.PROTECT, related_name="+")
    state = models.CharField(
        _("状态"), max_length=10, choices=CaseState.choices, default=CaseState.OPEN
    )
    version = models.PositiveIntegerField(default=1)
    severity = models.CharField(
        _("严重程度"), max_length=10, choices=Severity.choices, default=Severity.SERIOUS
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("立项值班员"),
    )
    opened_at = models.DateTimeField(_("立项时间"))

    # EM-6 / EM-7: which procedure ran
    playbook = models.ForeignKey(
        Playbook, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    procedure = models.CharField(_("执行程序"), max_length=150, blank=True)
    branch = models.CharField(_("处置分支"), max_length=20, blank=True)
    branch_label = models.CharField(_("处置分支"), max_length=50, blank=True)
    supervisor_told_at = models.DateTimeField(_("已报告主管"), null=True, blank=True)

    # EM-2: the escalation chain
    chain_state = models.CharField(
        _("呼叫状态"), max_length=15, choices=ChainState.choices, default=ChainState.NOT_STARTED
    )
    chain_started_at = models.DateTimeField(_("开始呼叫"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("领导确认收到"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("确认人"),
    )

    # EM-4: the dispatcher stays until settled or taken over
    taken_over_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("接手人"),
    )
    taken_over_at = models.DateTimeField(_("接手时间"), null=True, blank=True)
    settled_at = models.DateTimeField(_("平息时间"), null=True, blank=True)
    settled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("确认平息人"),
    )
    settle_note = models.TextField(_("处置结果"), blank=True)

    # EM-5: the site manager's signed consent
    signed_off_at = models.DateTimeField(_("经理签字时间"), null=True, blank=True)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("签字经理"),
    )
    sign_off_note = models.TextField(_("经理意见"), blank=True)

    objects = EmergencyCaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("紧急事件")
        verbose_name_plural = _("紧急事件")
        indexes = [
            models.Index(fields=["site", "state", "opened_at"], name="emergency_site_state"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=CaseState.values), name="emergency_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(state__in=[CaseState.OPEN, CaseState.SETTLED])
                | Q(signed_off_at__isnull=False, signed_off_by__isnull=False),
                name="emergency_closed_is_signed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket.number} {self.ticket.get_kind_display()}"

    @property
    def holder_id(self) -> int:
        """Who holds the post for this emergency now (EM-4)."""
        return self.taken_over_by_id or self.opened_by_id

    @property
    def is_open(self) -> bool:
        return self.state == CaseState.OPEN


class Page(models.Model):
    """One level of the chain paged for one case. Unique per (case, level): two overlapping
    sweeps cannot page a level twice."""

    case = models.ForeignKey(EmergencyCase, on_delete=models.CASCADE, related_name="pages")
    level = models.PositiveSmallIntegerField(_("级别"))
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    label = models.CharField(_("呼叫对象"), max_length=50)
    paged_at = models.DateTimeField(_("呼叫时间"))
    due_at = models.DateTimeField(_("确认时限"))
    outcome = models.CharField(
        _("结果"), max_length=12, choices=PageOutcome.choices, default=PageOutcome.WAITING
    )
    closed_at = models.DateTimeField(_("结束等待"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("确认人"),
    )
    ack_via = models.CharField(_("确认方式"), max_length=8, choices=AckVia.choices, blank=True)
    ack_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("代记人"),
    )

    class Meta:
        verbose_name = _("紧急呼叫")
        verbose_name_plural = _("紧急呼叫")
        ordering = ["case", "level"]
        constraints = [
            models.UniqueConstraint(fields=["case", "level"], name="page_once_per_level"),
        ]
        indexes = [
            # The sweep's work list: pages still waiting, by deadline (partial: only those).
            models.Index(
                fields=["due_at"],
                name="page_waiting_due",
                condition=Q(outcome=PageOutcome.WAITING),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} L{self.level} {self.label}"

    @property
    def is_waiting(self) -> bool:
        return self.outcome == PageOutcome.WAITING


class PageRecipient(models.Model):
    """Someone paged at a level: from the on-call list (``list``) or the role holders
    (``membership``); ``phone`` is where the SMS with the acknowledgement link went."""

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="recipients")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    phone = models.CharField(_("手机"), max_length=20, blank=True)
    source = models.CharField(_("来源"), max_length=12)

    class Meta:
        verbose_name = _("呼叫对象")
        verbose_name_plural = _("呼叫对象")
        ordering = ["page", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["page", "user"], name="page_recipient_once"),
        ]

    def __str__(self) -> str:
        return f"{self.page_id}:{self.user_id}"


class StepRecord(models.Model):
    """One step of the case's playbook, copied when the case opened, with when it was done."""

    case = models.ForeignKey(EmergencyCase, on_delete=models.CASCADE, related_name="steps")
    step = models.ForeignKey(
        PlaybookStep, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    position = models.PositiveSmallIntegerField(_("顺序"))
    branch = models.CharField(_("所属分支"), max_length=20, blank=True)
    text = models.CharField(_("步骤"), max_length=300)
    detail = models.TextField(_("说明"), blank=True)
    chooses_branch = models.BooleanField(default=False)
    records_contact = models.BooleanField(default=False)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("记录人"),
    )
    note = models.TextField(_("情况"), blank=True)

    class Meta:
        verbose_name = _("预案执行记录")
        verbose_name_plural = _("预案执行记录")
        ordering = ["case", "position"]
        constraints = [
            models.UniqueConstraint(fields=["case", "position"], name="step_record_position"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.position}. {self.text}"


class Responder(models.Model):
    """A responsible person told of the emergency (EM-3): security, engineering, elevator,
    maintenance, guard leaders ... who go to the scene and report back."""

    case = models.ForeignKey(EmergencyCase, on_delete=models.CASCADE, related_name="responders")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    duty = models.CharField(_("职责"), max_length=60, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=ResponderStatus.choices, default=ResponderStatus.NOTIFIED
    )
    notified_at = models.DateTimeField(_("通知时间"))
    notified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("通知人"),
    )
    knows_at = models.DateTimeField(_("知悉时间"), null=True, blank=True)
    on_way_at = models.DateTimeField(_("出发时间"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("到场时间"), null=True, blank=True)
    reported_at = models.DateTimeField(_("反馈时间"), null=True, blank=True)
    report = models.TextField(_("现场反馈"), blank=True)

    class Meta:
        verbose_name = _("响应人员")
        verbose_name_plural = _("响应人员")
        ordering = ["case", "notified_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["case", "user"], name="responder_once"),
            models.CheckConstraint(
                condition=Q(status__in=ResponderStatus.values), name="responder_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.user_id} {self.status}"


class Instruction(models.Model):
    """A leader's instruction (EM-5, 件件立项): its own sub-ticket of the emergency, with an owner
    and a deadline; the emergency is signed off only when every one is closed."""

    case = models.ForeignKey(EmergencyCase, on_delete=models.CASCADE, related_name="instructions")
    ticket = models.OneToOneField(
        "tickets.Ticket", on_delete=models.PROTECT, related_name="instruction"
    )
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("指示领导"),
    )
    given_by_name = models.CharField(_("指示领导"), max_length=50)
    text = models.TextField(_("指示内容"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("责任人"),
    )
    due_at = models.DateTimeField(_("完成期限"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("立项时间"))
    overdue_notified_at = models.DateTimeField(_("逾期提醒"), null=True, blank=True)

    class Meta:
        verbose_name = _("领导指示")
        verbose_name_plural = _("领导指示")
        ordering = ["case", "created_at", "pk"]
        indexes = [
            models.Index(
                fields=["due_at"],
                name="instruction_unreminded_due",
                condition=Q(overdue_notified_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.text[:40]
