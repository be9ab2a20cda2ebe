"""Choices of the archives app: document kinds and sources (AR-1), grant, contact, move-in and
key states with their transition tables."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DocumentSource(models.TextChoices):
    DEVELOPER = "developer", _("开发商")
    CS = "cs", _("客服中心")
    ENGINEERING = "engineering", _("工程部")


class DocumentKind(models.TextChoices):
    """AR-1: what is filed per unit, grouped by the party it comes from."""

    COVENANT = "covenant", _("业主规约")
    SERVICE_AGREEMENT = "service_agreement", _("前期物业服务协议")
    MOVE_IN_CHECKLIST = "move_in_checklist", _("入伙交接表")
    HOUSEHOLD_REGISTRATION = "household_registration", _("住户登记表")
    LEASE = "lease", _("租赁合同")
    HANDOVER_FORM = "handover_form", _("交房验收表及维修单")
    RENOVATION_APPLICATION = "renovation_application", _("装修申请表")
    RENOVATION_COMMITMENT = "renovation_commitment", _("装修承诺书")
    RENOVATION_ACCEPTANCE = "renovation_acceptance", _("装修竣工验收表")
    DESIGN_DRAWING = "design_drawing", _("装修设计图纸")
    CONTRACTOR_LICENCE = "contractor_licence", _("装修公司资质证照复印件")
    RENOVATION_RECORD = "renovation_record", _("装修管理记录")


# AR-1: the party each kind of document comes from; the source is derived, never typed.
KIND_SOURCE: dict[str, str] = {
    DocumentKind.COVENANT: DocumentSource.DEVELOPER,
    DocumentKind.SERVICE_AGREEMENT: DocumentSource.DEVELOPER,
    DocumentKind.MOVE_IN_CHECKLIST: DocumentSource.CS,
    DocumentKind.HOUSEHOLD_REGISTRATION: DocumentSource.CS,
    DocumentKind.LEASE: DocumentSource.CS,
    DocumentKind.HANDOVER_FORM: DocumentSource.ENGINEERING,
    DocumentKind.RENOVATION_APPLICATION: DocumentSource.ENGINEERING,
    DocumentKind.RENOVATION_COMMITMENT: DocumentSource.ENGINEERING,
    DocumentKind.RENOVATION_ACCEPTANCE: DocumentSource.ENGINEERING,
    DocumentKind.DESIGN_DRAWING: DocumentSource.ENGINEERING,
    DocumentKind.CONTRACTOR_LICENCE: DocumentSource.ENGINEERING,
    DocumentKind.RENOVATION_RECORD: DocumentSource.ENGINEERING,
}


class ContentType(models.TextChoices):
    PDF = "application/pdf", "PDF"
    JPEG = "image/jpeg", "JPEG"
    PNG = "image/png", "PNG"
    WEBP = "image/webp", "WebP"


IMAGE_TYPES = frozenset({ContentType.JPEG, ContentType.PNG, ContentType.WEBP})


class GrantState(models.TextChoices):
    REQUESTED = "requested", _("待客服中心安排")
    OPEN = "open", _("陪同查阅中")
    CLOSED = "closed", _("已结束")
    REFUSED = "refused", _("已拒绝")
    CANCELLED = "cancelled", _("已撤回")


GRANT_FINISHED = frozenset({GrantState.CLOSED, GrantState.REFUSED, GrantState.CANCELLED})


class GrantAction(models.TextChoices):
    OPEN = "open", _("开始陪同查阅")
    REFUSE = "refuse", _("拒绝")
    CANCEL = "cancel", _("撤回申请")
    CLOSE = "close", _("结束查阅")


# (state, action) -> new state. Who may act is decided by the service (CS desk vs requester).
GRANT_TRANSITIONS: dict[tuple[str, str], str] = {
    (GrantState.REQUESTED, GrantAction.OPEN): GrantState.OPEN,
    (GrantState.REQUESTED, GrantAction.REFUSE): GrantState.REFUSED,
    (GrantState.REQUESTED, GrantAction.CANCEL): GrantState.CANCELLED,
    (GrantState.OPEN, GrantAction.CLOSE): GrantState.CLOSED,
}


class AccessAction(models.TextChoices):
    LIST = "list", _("查看档案目录")
    VIEW = "view", _("查阅文件")


class ContactState(models.TextChoices):
    OPEN = "open", _("待前台联系")
    DONE = "done", _("已联系")


class ContactOutcome(models.TextChoices):
    REACHED = "reached", _("已接通并转达")
    NO_ANSWER = "no_answer", _("无人接听")
    DECLINED = "declined", _("业主拒绝")
    WRONG_NUMBER = "wrong_number", _("号码有误")


class IdType(models.TextChoices):
    RESIDENT_ID = "resident_id", _("居民身份证")
    PASSPORT = "passport", _("护照")
    HK_MACAO_TAIWAN = "hmt_permit", _("港澳台居民通行证")
    OTHER = "other", _("其他证件")


class MoveInState(models.TextChoices):
    DRAFT = "draft", _("办理中")
    COMPLETED = "completed", _("已完成")


class MoveInItemKind(models.TextChoices):
    ACCESS_CARD = "access_card", _("门禁卡")
    KEY = "key", _("钥匙")
    FACILITY = "facility", _("开通设施（水电气等）")
    DOCUMENT = "document", _("资料（业主手册等）")
    OTHER = "other", _("其他")


class SignatureMethod(models.TextChoices):
    TYPED = "typed", _("输入姓名确认")
    DRAWN = "drawn", _("手写签名")


class KeyState(models.TextChoices):
    IN_CUSTODY = "in_custody", _("管理处保管")
    LENT = "lent", _("已借出")
    HANDED_OVER = "handed_over", _("已移交业主")


class KeyAction(models.TextChoices):
    LEND = "lend", _("借出")
    RETURN = "return", _("归还")
    HAND_OVER = "hand_over", _("移交业主")


KEY_TRANSITIONS: dict[tuple[str, str], str] = {
    (KeyState.IN_CUSTODY, KeyAction.LEND): KeyState.LENT,
    (KeyState.LENT, KeyAction.RETURN): KeyState.IN_CUSTODY,
    (KeyState.IN_CUSTODY, KeyAction.HAND_OVER): KeyState.HANDED_OVER,
}
