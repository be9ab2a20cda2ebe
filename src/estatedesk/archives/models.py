"""Owner archives (AR-1), accompanied access (AR-3), front-desk contact (AR-3), move-in (AR-4,
AR-2) and key custody and lending (AR-5).

Files live under ``settings.MEDIA_ROOT`` with random names; rows hold only the relative name.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from estatedesk.archives.enums import (
    AccessAction,
    ContactOutcome,
    ContactState,
    ContentType,
    DocumentKind,
    DocumentSource,
    GrantState,
    IdType,
    KeyState,
    MoveInItemKind,
    MoveInState,
    SignatureMethod,
)
from estatedesk.core.models import AppendOnlyError
from estatedesk.org.enums import Relation

USER = settings.AUTH_USER_MODEL


class ArchiveDocument(models.Model):
    """One document of a unit's archive; its file content lives in numbered versions.

    Replacing a document adds a version and bumps ``current_version`` with a compare-and-set,
    so the earlier files stay filed (AR-1) and two concurrent replacements cannot both win.
    """

    site = models.ForeignKey("org.Site", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="archive_documents")
    kind = models.CharField(_("文件类别"), max_length=40, choices=DocumentKind.choices)
    source = models.CharField(_("来源"), max_length=20, choices=DocumentSource.choices)
    title = models.CharField(_("标题"), max_length=120)
    current_version = models.PositiveIntegerField(_("当前版本"), default=1)
    created_at = models.DateTimeField(_("建档时间"))
    updated_at = models.DateTimeField(_("更新时间"))

    class Meta:
        verbose_name = _("档案文件")
        verbose_name_plural = _("档案文件")
        ordering = ["unit", "source", "kind", "title"]
        indexes = [models.Index(fields=["unit", "kind"], name="archdoc_unit_kind")]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=DocumentKind.values), name="archdoc_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(source__in=DocumentSource.values), name="archdoc_source_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class DocumentVersion(models.Model):
    document = models.ForeignKey(ArchiveDocument, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("版本"))
    storage_name = models.CharField(max_length=200, unique=True, editable=False)
    content_type = models.CharField(_("文件类型"), max_length=40, choices=ContentType.choices)
    size = models.PositiveIntegerField(_("大小(字节)"))
    sha256 = models.CharField(max_length=64)
    original_name = models.CharField(_("原文件名"), max_length=200)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"))

    class Meta:
        verbose_name = _("文件版本")
        verbose_name_plural = _("文件版本")
        ordering = ["document", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="docversion_unique"),
            models.CheckConstraint(
                condition=Q(content_type__in=ContentType.values), name="docversion_type_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document} v{self.number}"

    @property
    def is_image(self) -> bool:
        return self.content_type != ContentType.PDF


class AccessGrant(models.Model):
    """AR-3: a leader's consultation of one unit's archive, accompanied by CS staff.

    Requested with a purpose; a CS staff member opens a time-boxed session naming the
    accompanying CS person. A session is usable only while ``opened_at <= now < expires_at``;
    expiry needs no job, every check compares with the clock.
    """

    site = models.ForeignKey("org.Site", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    requester = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    purpose = models.CharField(_("查阅目的"), max_length=300)
    state = models.CharField(
        _("状态"), max_length=20, choices=GrantState.choices, default=GrantState.REQUESTED
    )
    version = models.PositiveIntegerField(default=1)
    requested_at = models.DateTimeField(_("申请时间"))
    decided_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    companion = models.ForeignKey(
        USER,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("陪同客服"),
    )
    minutes = models.PositiveSmallIntegerField(_("时长(分钟)"), null=True, blank=True)
    opened_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    expires_at = models.DateTimeField(_("到期时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    refusal_reason = models.CharField(_("拒绝理由"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("档案查阅授权")
        verbose_name_plural = _("档案查阅授权")
        ordering = ["-requested_at"]
        indexes = [
            models.Index(fields=["requester", "unit", "state"], name="grant_requester_unit"),
            models.Index(fields=["site", "state", "requested_at"], name="grant_site_state"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=GrantState.values), name="grant_state_valid"
            ),
            models.CheckConstraint(
                condition=~Q(state=GrantState.OPEN)
                | Q(
                    opened_at__isnull=False,
                    expires_at__isnull=False,
                    companion__isnull=False,
                ),
                name="grant_open_has_session",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.unit_id} {self.get_state_display()}"

    def is_active_at(self, now: dt.datetime) -> bool:
        return (
            self.state == GrantState.OPEN
            and self.opened_at is not None
            and self.expires_at is not None
            and self.opened_at <= now < self.expires_at
        )


class AppendOnlyModel(models.Model):
    """Rows that are written once and never changed or removed by the application."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise AppendOnlyError()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError()


class ArchiveAccessLog(AppendOnlyModel):
    """AR-3: every consultation of an archive - who, what, when, under which grant."""

    site = models.ForeignKey("org.Site", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    document = models.ForeignKey(
        ArchiveDocument, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    document_version = models.ForeignKey(
        DocumentVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    viewer = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    grant = models.ForeignKey(
        AccessGrant, on_delete=models.PROTECT, null=True, blank=True, related_name="logs"
    )
    action = models.CharField(_("动作"), max_length=10, choices=AccessAction.choices)
    viewed_at = models.DateTimeField(_("时间"))
    channel = models.CharField(_("途径"), max_length=10, default="web")

    class Meta:
        verbose_name = _("档案查阅记录")
        verbose_name_plural = _("档案查阅记录")
        ordering = ["-viewed_at", "-id"]
        indexes = [models.Index(fields=["site", "viewed_at"], name="accesslog_site_time")]

    def __str__(self) -> str:
        return f"{self.viewed_at:%Y-%m-%d %H:%M} {self.viewer_id} {self.action}"


class ContactRequest(models.Model):
    """AR-3: staff who must reach an owner ask the CS front desk, which makes the call."""

    site = models.ForeignKey("org.Site", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    resident = models.ForeignKey(
        "org.Resident", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    requester = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("联系事由"), max_length=300)
    state = models.CharField(
        _("状态"), max_length=10, choices=ContactState.choices, default=ContactState.OPEN
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(_("提出时间"))
    handled_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    called_at = models.DateTimeField(_("致电时间"), null=True, blank=True)
    outcome = models.CharField(
        _("联系结果"), max_length=20, choices=ContactOutcome.choices, blank=True
    )
    outcome_note = models.CharField(_("结果说明"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("联系业主申请")
        verbose_name_plural = _("联系业主申请")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["site", "state", "created_at"], name="contact_queue")]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=ContactState.values), name="contact_state_valid"
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.reason[:20]}"


class Signature(models.Model):
    """AR-2: a resident's confirmation - a typed name with the time, or a drawn signature PNG."""

    site = models.ForeignKey("org.Site", on_delete=models.PROTECT, related_name="+")
    signer_name = models.CharField(_("签名人"), max_length=50)
    method = models.CharField(_("方式"), max_length=10, choices=SignatureMethod.choices)
    typed_text = models.CharField(_("确认文字"), max_length=100, blank=True)
    image_name = models.CharField(max_length=200, blank=True, editable=False)
    signed_at = models.DateTimeField(_("签名时间"))
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("签名")
        verbose_name_plural = _("签名")
        constraints = [
            models.CheckConstraint(
                condition=Q(method=SignatureMethod.TYPED, typed_text__gt="")
                | Q(method=SignatureMethod.DRAWN, image_name__gt=""),
                name="signature_has_content",
            )
        ]

    def __str__(self) -> str:
        return f"{self.signer_name} {self.signed_at:%Y-%m-%d %H:%M}"


class MoveIn(models.Model):
    """AR-4: the move-in checklist of one resident at one unit."""

    site = models.ForeignKey("org.Site", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    resident = models.ForeignKey("org.Resident", on_delete=models.PROTECT, related_name="+")
    relation = models.CharField(_("身份"), max_length=10, choices=Relation.choices)
    id_type = models.CharField(
        _("证件类型"), max_length=20, choices=IdType.choices, default=IdType.RESIDENT_ID
    )
    # Only the masked form is stored (AR-4 with the personal-data rule); the full number is
    # checked on the counter and never written anywhere.
    id_masked = models.CharField(_("证件号码（已遮蔽）"), max_length=40, blank=True)
    lease_checked = models.BooleanField(_("已核验租赁合同"), default=False)
    registration_done = models.BooleanField(_("已填写住户登记表"), default=False)
    state = models.CharField(
        _("状态"), max_length=10, choices=MoveInState.choices, default=MoveInState.DRAFT
    )
    version = models.PositiveIntegerField(default=1)
    started_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(_("开始办理"))
    completed_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("入伙办理")
        verbose_name_plural = _("入伙办理")
        ordering = ["-started_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=MoveInState.values), name="movein_state_valid"
            ),
            models.UniqueConstraint(
                fields=["unit", "resident"],
                condition=Q(state=MoveInState.DRAFT),
                name="movein_one_open_per_resident",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.resident}"


class MoveInItem(models.Model):
    """AR-2: one thing handed over at move-in, confirmed by the resident's signature."""

    move_in = models.ForeignKey(MoveIn, on_delete=models.PROTECT, related_name="items")
    kind = models.CharField(_("类别"), max_length=20, choices=MoveInItemKind.choices)
    description = models.CharField(_("物品/事项"), max_length=100)
    quantity = models.PositiveSmallIntegerField(_("数量"), default=1)
    identifier = models.CharField(_("编号"), max_length=50, blank=True)
    issued_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(_("登记时间"))
    signature = models.ForeignKey(
        Signature, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("入伙交接物品")
        verbose_name_plural = _("入伙交接物品")
        ordering = ["move_in", "issued_at", "id"]

    def __str__(self) -> str:
        return self.description


class Key(models.Model):
    """AR-5: a key of a unit held by management."""

    site = models.ForeignKey("org.Site", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    tag = models.CharField(_("钥匙编号"), max_length=30)
    label = models.CharField(_("名称"), max_length=60, help_text=_("例如：入户门钥匙"))
    copies = models.PositiveSmallIntegerField(_("把数"), default=1)
    state = models.CharField(
        _("状态"), max_length=20, choices=KeyState.choices, default=KeyState.IN_CUSTODY
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(_("登记时间"))

    class Meta:
        verbose_name = _("钥匙")
        verbose_name_plural = _("钥匙")
        ordering = ["site", "tag"]
        constraints = [
            models.UniqueConstraint(fields=["site", "tag"], name="key_site_tag"),
            models.CheckConstraint(condition=Q(state__in=KeyState.values), name="key_state_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.tag} {self.label}"


class KeyLoan(models.Model):
    """AR-5: one line of the key-lending register (《钥匙出借记录表》)."""

    site = models.ForeignKey("org.Site", on_delete=models.PROTECT, related_name="+")
    key = models.ForeignKey(Key, on_delete=models.PROTECT, related_name="loans")
    borrower_name = models.CharField(_("借用人"), max_length=50)
    borrower_user = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    borrower_org = models.CharField(_("借用单位/部门"), max_length=80, blank=True)
    purpose = models.CharField(_("借用事由"), max_length=200)
    lent_at = models.DateTimeField(_("借出时间"))
    due_at = models.DateTimeField(_("应还时间"))
    lent_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    returned_at = models.DateTimeField(_("归还时间"), null=True, blank=True)
    received_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    return_note = models.CharField(_("归还说明"), max_length=200, blank=True)
    overdue_flagged_at = models.DateTimeField(_("逾期提醒时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("钥匙出借记录")
        verbose_name_plural = _("钥匙出借记录")
        ordering = ["-lent_at"]
        indexes = [
            # The overdue sweep reads only open, unflagged loans by due time.
            models.Index(
                fields=["due_at"],
                condition=Q(returned_at__isnull=True, overdue_flagged_at__isnull=True),
                name="keyloan_overdue_due",
            ),
            models.Index(fields=["site", "lent_at"], name="keyloan_site_lent"),
        ]
        constraints = [
            # Second line of defence behind the compare-and-set on Key.version.
            models.UniqueConstraint(
                fields=["key"], condition=Q(returned_at__isnull=True), name="keyloan_one_open"
            ),
            models.CheckConstraint(condition=Q(due_at__gt=models.F("lent_at")), name="keyloan_due"),
        ]

    def __str__(self) -> str:
        return f"{self.key} -> {self.borrower_name}"

    def is_overdue_at(self, now: dt.datetime) -> bool:
        return self.returned_at is None and self.due_at <= now


class KeyHandover(models.Model):
    """AR-5: the key given to the owner, who signs, once renovation formalities are done."""

    key = models.OneToOneField(Key, on_delete=models.PROTECT, related_name="handover")
    resident = models.ForeignKey("org.Resident", on_delete=models.PROTECT, related_name="+")
    formalities_ref = models.CharField(_("装修手续"), max_length=120)
    signature = models.ForeignKey(Signature, on_delete=models.PROTECT, related_name="+")
    handed_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    handed_at = models.DateTimeField(_("移交时间"))

    class Meta:
        verbose_name = _("钥匙移交")
        verbose_name_plural = _("钥匙移交")

    def __str__(self) -> str:
        return f"{self.key} -> {self.resident_id}"
