"""The Ticket (工单): one table for every kind of resident request (RQ-1), with the register
fields of RQ-3. Kind-specific data lives in one-to-one/child tables beside it."""

from __future__ import annotations

import secrets
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from estatedesk.core import clock
from estatedesk.tickets.enums import (
    ACTIVE_STATES,
    SPECIAL_KINDS,
    STATE_GROUP,
    AttachmentPurpose,
    CallKind,
    CallLink,
    CancelKind,
    Channel,
    ConfirmVia,
    ConsultationMode,
    LogClass,
    ReferralKind,
    RepairClass,
    TicketKind,
    TicketState,
    Urgency,
)


class TicketQuerySet(models.QuerySet["Ticket"]):
    def active(self) -> TicketQuerySet:
        return self.filter(state__in=ACTIVE_STATES)

    def for_sites(self, site_ids: list[int]) -> TicketQuerySet:
        return self.filter(site_id__in=site_ids)


class Ticket(models.Model):
    site = models.ForeignKey("org.Site", on_delete=models.PROTECT, related_name="tickets")
    number = models.CharField(_("工单号"), max_length=24, unique=True)
    kind = models.CharField(_("类别"), max_length=24, choices=TicketKind.choices)
    channel = models.CharField(_("渠道"), max_length=12, choices=Channel.choices)
    state = models.CharField(
        _("状态"), max_length=20, choices=TicketState.choices, default=TicketState.RECEIVED
    )
    version = models.PositiveIntegerField(default=1, help_text=_("每次变更加一，用于并发控制。"))
    urgency = models.CharField(
        _("紧急程度"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL
    )
    is_complex = models.BooleanField(
        _("复杂问题"), default=False, help_text=_("复杂问题须在 48 小时内提出解决方案（RQ-6）。")
    )
    confidential = models.BooleanField(
        _("保密"), default=False, help_text=_("涉及公司机密或个人隐私，住户端不显示答复（RQ-8）。")
    )

    # RQ-3 register fields
    description = models.TextField(_("问题描述"))
    unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="tickets"
    )
    place = models.ForeignKey(
        "org.PublicPlace", on_delete=models.PROTECT, null=True, blank=True, related_name="tickets"
    )
    location_text = models.CharField(_("地点补充"), max_length=200, blank=True)
    occurred_at = models.DateTimeField(_("发生时间"), null=True, blank=True)
    people_involved = models.CharField(_("涉及人员"), max_length=200, blank=True)
    resident = models.ForeignKey(
        "org.Resident", on_delete=models.SET_NULL, null=True, blank=True, related_name="tickets"
    )
    reporter_name = models.CharField(_("报事人"), max_length=50)
    reporter_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    receiver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="received_tickets",
        verbose_name=_("受理人"),
    )
    received_at = models.DateTimeField(_("受理时间"))
    created_at = models.DateTimeField(_("录入时间"))
    updated_at = models.DateTimeField(_("更新时间"))

    # RQ-4 routing, CV-2 classification
    department = models.ForeignKey(
        "org.Department", on_delete=models.PROTECT, null=True, blank=True, related_name="tickets"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tickets",
        verbose_name=_("责任人"),
    )
    repair_class = models.CharField(
        _("报修分类"), max_length=12, choices=RepairClass.choices, blank=True
    )
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    # Set when this report joined its parent as another report of the same incident (a
    # duplicate cluster: "3栋停水", "三号楼没水了"); empty for other sub-tickets, such as the
    # tracked instructions of an emergency (EM-5).
    cluster_joined_at = models.DateTimeField(_("并入事件时间"), null=True, blank=True)

    # Outcome
    resolved_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("销项时间"), null=True, blank=True)
    cancel_kind = models.CharField(
        _("作废类别"), max_length=12, choices=CancelKind.choices, blank=True
    )
    cancel_reason = models.CharField(_("作废原因"), max_length=200, blank=True)
    resident_confirmed_at = models.DateTimeField(_("住户确认完成时间"), null=True, blank=True)
    rating = models.PositiveSmallIntegerField(_("评价"), null=True, blank=True)
    rating_comment = models.CharField(_("评价意见"), max_length=500, blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)
    reopened_count = models.PositiveSmallIntegerField(_("返工次数"), default=0)

    # SLA: the earliest due time of the ticket's running clocks, kept by the sla app so the
    # dispatcher board sorts by an indexed column instead of joining clocks.
    next_due_at = models.DateTimeField(null=True, blank=True)

    # Records (RT-1, RT-4)
    legal_hold = models.BooleanField(_("法律保全"), default=False)
    archived_at = models.DateTimeField(_("归档时间"), null=True, blank=True)

    objects = TicketQuerySet.as_manager()

    class Meta:
        verbose_name = _("工单")
        verbose_name_plural = _("工单")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state__in=TicketState.values), name="ticket_state_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=TicketKind.values), name="ticket_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
                name="ticket_rating_1_5",
            ),
        ]
        indexes = [
            # dispatcher board / W2 queue: open tickets of a site by next due time
            models.Index(
                fields=["site", "next_due_at"],
                name="ticket_board",
                condition=models.Q(state__in=sorted(ACTIVE_STATES)),
            ),
            models.Index(fields=["site", "received_at"], name="ticket_site_received"),
            models.Index(fields=["site", "state", "kind"], name="ticket_site_state_kind"),
            models.Index(fields=["reporter_phone"], name="ticket_reporter_phone"),
            models.Index(fields=["assignee", "state"], name="ticket_assignee_state"),
            models.Index(fields=["resident", "received_at"], name="ticket_resident_received"),
            # cluster_counts / the board: the reports linked to an incident's parent
            models.Index(
                fields=["parent", "state"],
                name="ticket_cluster_children",
                condition=models.Q(cluster_joined_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_special(self) -> bool:
        """RQ-1: emergency medical, security incidents and disasters (and EM-1 emergencies)."""
        return self.kind in SPECIAL_KINDS

    @property
    def state_group(self) -> str:
        return STATE_GROUP[self.state]

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_STATES

    @property
    def in_cluster(self) -> bool:
        """Another report of the incident its parent stands for."""
        return self.parent_id is not None and self.cluster_joined_at is not None

    @property
    def location_label(self) -> str:
        parts = [str(self.unit or self.place or ""), self.location_text]
        return " ".join(p for p in parts if p)


class Note(models.Model):
    """A progress note (RQ-9): public notes are shown to the resident, internal ones never."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    author_label = models.CharField(_("记录人"), max_length=150)
    body = models.TextField(_("内容"))
    is_public = models.BooleanField(_("住户可见"), default=False)
    is_solution = models.BooleanField(
        _("解决方案"), default=False, help_text=_("复杂问题提出的解决方案（RQ-6）。")
    )
    created_at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("处理记录")
        verbose_name_plural = _("处理记录")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.body[:30]}"


def _attachment_path(instance: Attachment, filename: str) -> str:
    """A random name under MEDIA_ROOT: the uploader's file name never reaches the disk."""
    day = clock.localtime()
    return f"tickets/{day:%Y/%m}/{secrets.token_hex(16)}.{instance.extension}"


class Attachment(models.Model):
    """An image or PDF of a ticket. Stored outside the web root and streamed only by a view that
    checks the viewer may see the ticket (residents: only non-internal files of their tickets)."""

    EXTENSIONS = {
        "image/jpeg": "jpg",
        "image/png": "png",
        "image/webp": "webp",
        "application/pdf": "pdf",
    }

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=_attachment_path, max_length=200)
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    purpose = models.CharField(
        _("用途"),
        max_length=12,
        choices=AttachmentPurpose.choices,
        default=AttachmentPurpose.REPORT,
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField()

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def extension(self) -> str:
        return self.EXTENSIONS.get(self.content_type, "bin")

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")

    @property
    def is_public(self) -> bool:
        return self.purpose != AttachmentPurpose.INTERNAL


class Referral(models.Model):
    """RQ-7 / CV-2: the record that a request was handed to the party responsible for it."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="referrals")
    kind = models.CharField(_("转介类别"), max_length=12, choices=ReferralKind.choices)
    external_party = models.ForeignKey(
        "org.ExternalParty",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
        verbose_name=_("外部单位"),
    )
    department = models.ForeignKey(
        "org.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
        verbose_name=_("接收部门"),
    )
    referred_to = models.CharField(_("接收方"), max_length=200, blank=True)
    engineer = models.CharField(
        _("保修工程师"), max_length=100, blank=True, help_text=_("Z 类：开发商指定的工程师。")
    )
    note = models.TextField(_("说明"), blank=True)
    committed_due_at = models.DateTimeField(_("承诺时限"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField()
    reported_at = models.DateTimeField(_("反馈时间"), null=True, blank=True)
    report = models.TextField(_("反馈情况"), blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    last_chased_at = models.DateTimeField(_("最近催办"), null=True, blank=True)
    chase_count = models.PositiveSmallIntegerField(_("催办次数"), default=0)

    class Meta:
        verbose_name = _("转介记录")
        verbose_name_plural = _("转介记录")
        ordering = ["created_at", "id"]
        indexes = [
            # jobs.chase_referrals: unreported referrals by their committed time
            models.Index(
                fields=["committed_due_at"],
                condition=models.Q(reported_at__isnull=True),
                name="referral_open_due",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.party_label}"

    @property
    def party_label(self) -> str:
        return str(self.external_party or self.department or self.referred_to or "")


class ServiceSlip(models.Model):
    """DS-5 / RT-5: the service slip (服务单) of one completion: what was done, materials, the
    charge; the case closes only when the dispatcher has received and signed it."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="slips")
    number = models.CharField(_("服务单号"), max_length=30, unique=True)
    work_done = models.TextField(_("处理情况"))
    materials = models.CharField(_("耗用材料"), max_length=300, blank=True)
    charge_amount = models.DecimalField(
        _("收费金额"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("实施人"),
    )
    reported_at = models.DateTimeField(_("完工时间"))
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("签收人"),
    )
    confirmed_at = models.DateTimeField(_("签收时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("服务单")
        verbose_name_plural = _("服务单")
        ordering = ["reported_at", "id"]

    def __str__(self) -> str:
        return self.number


class Consultation(models.Model):
    """RQ-8: the consultation details of a ticket of kind consultation."""

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="consultation")
    mode = models.CharField(_("方式"), max_length=10, choices=ConsultationMode.choices)
    escalated_at = models.DateTimeField(_("请示主管时间"), null=True, blank=True)
    escalated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    escalation_question = models.TextField(_("请示内容"), blank=True)
    supervisor_answer = models.TextField(_("主管答复"), blank=True)
    supervisor_answered_at = models.DateTimeField(null=True, blank=True)
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reply_draft = models.TextField(_("书面答复稿"), blank=True)
    reply_drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reply_drafted_at = models.DateTimeField(null=True, blank=True)
    reply_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reply_approved_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    answer = models.TextField(_("答复内容"), blank=True)
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("咨询")
        verbose_name_plural = _("咨询")

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.get_mode_display()}"

    @property
    def awaiting_supervisor(self) -> bool:
        return self.escalated_at is not None and self.supervisor_answered_at is None


class PriceItem(models.Model):
    """RQ-12: one line of a site's price list for paid convenience services."""

    site = models.ForeignKey("org.Site", on_delete=models.CASCADE, related_name="price_items")
    name = models.CharField(_("服务项目"), max_length=100)
    unit_label = models.CharField(_("计价单位"), max_length=20, default="次")
    price = models.DecimalField(
        _("单价(元)"), max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    is_active = models.BooleanField(_("启用"), default=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("有偿服务价目")
        verbose_name_plural = _("有偿服务价目表")
        ordering = ["site", "sort_order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["site", "name"], name="price_item_site_name"),
            models.CheckConstraint(condition=models.Q(price__gte=0), name="price_item_price_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ¥{self.price}/{self.unit_label}"


class PaidService(models.Model):
    """RQ-12: quote, the resident's confirmation before work, and the charge for finance."""

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="paid_service")
    price_item = models.ForeignKey(
        PriceItem, on_delete=models.PROTECT, related_name="+", verbose_name=_("服务项目")
    )
    quantity = models.DecimalField(
        _("数量"), max_digits=8, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    quoted_amount = models.DecimalField(_("报价(元)"), max_digits=10, decimal_places=2)
    quote_note = models.CharField(_("报价说明"), max_length=300, blank=True)
    quoted_at = models.DateTimeField(_("报价时间"))
    quoted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(_("住户确认时间"), null=True, blank=True)
    confirmed_via = models.CharField(
        _("确认方式"), max_length=10, choices=ConfirmVia.choices, blank=True
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    charge_amount = models.DecimalField(
        _("实收金额(元)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    charged_at = models.DateTimeField(_("收费登记时间"), null=True, blank=True)
    charged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("有偿服务")
        verbose_name_plural = _("有偿服务")
        indexes = [models.Index(fields=["charged_at"], name="paid_service_charged")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.price_item.name}"

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


class CallLog(models.Model):
    """CV-1..CV-4: one call or visit of the calls-and-visits log (来电来访记录)."""

    site = models.ForeignKey("org.Site", on_delete=models.PROTECT, related_name="call_logs")
    kind = models.CharField(_("来电/来访"), max_length=8, choices=CallKind.choices)
    occurred_at = models.DateTimeField(_("时间"))
    caller_name = models.CharField(_("来电来访人"), max_length=50)
    caller_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    unit = models.ForeignKey(
        "org.Unit", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    summary = models.TextField(_("内容摘要"))
    log_class = models.CharField(_("分类"), max_length=14, choices=LogClass.choices)
    answer = models.TextField(_("答复/处理"), blank=True)
    ticket = models.ForeignKey(
        Ticket, on_delete=models.SET_NULL, null=True, blank=True, related_name="call_logs"
    )
    ticket_link = models.CharField(
        _("工单关系"), max_length=8, choices=CallLink.choices, blank=True
    )
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    # CV-3: a finished item is marked done, signed and numbered (销项)
    done_at = models.DateTimeField(_("销项时间"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("签名"),
    )
    done_number = models.CharField(_("销项编号"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("来电来访记录")
        verbose_name_plural = _("来电来访记录")
        ordering = ["occurred_at", "id"]
        indexes = [models.Index(fields=["site", "occurred_at"], name="calllog_site_time")]
        constraints = [
            models.UniqueConstraint(
                fields=["done_number"],
                condition=~models.Q(done_number=""),
                name="calllog_done_number_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.caller_name}"

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


class Callback(models.Model):
    """RQ-10: a rating of 1 or 2 opens a call-back task (回访) for the CS supervisor."""

    site = models.ForeignKey("org.Site", on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="callbacks")
    reason = models.CharField(_("原因"), max_length=300)
    created_at = models.DateTimeField()
    due_at = models.DateTimeField(_("回访期限"))
    done_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    outcome = models.TextField(_("回访结果"), blank=True)

    class Meta:
        verbose_name = _("回访任务")
        verbose_name_plural = _("回访任务")
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(
                fields=["site", "due_at"],
                condition=models.Q(done_at__isnull=True),
                name="callback_open",
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.reason[:30]}"


def ticket_extra(ticket: Ticket, name: str) -> Any:
    """A one-to-one detail of ``ticket`` or None (``ticket.consultation`` raises when missing)."""
    try:
        return getattr(ticket, name)
    except (Consultation.DoesNotExist, PaidService.DoesNotExist):
        return None
