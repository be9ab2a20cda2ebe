"""Every write of the archives app: one function per use case, in a transaction, with its
audit event. Rules enforced are cited by ID (AR-1 ... AR-5)."""

from __future__ import annotations

import datetime as dt
from typing import IO, Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from estatedesk.archives import files
from estatedesk.archives import rules as access
from estatedesk.archives.enums import (
    GRANT_TRANSITIONS,
    KEY_TRANSITIONS,
    KIND_SOURCE,
    AccessAction,
    ContactOutcome,
    ContactState,
    DocumentKind,
    GrantAction,
    GrantState,
    IdType,
    KeyAction,
    MoveInItemKind,
    MoveInState,
    SignatureMethod,
)
from estatedesk.archives.models import (
    AccessGrant,
    ArchiveAccessLog,
    ArchiveDocument,
    ContactRequest,
    DocumentVersion,
    Key,
    KeyHandover,
    KeyLoan,
    MoveIn,
    MoveInItem,
    Signature,
)
from estatedesk.core import clock, events
from estatedesk.core.errors import (
    Conflict,
    PermissionDenied,
    TransitionNotAllowed,
    ValidationFailed,
)
from estatedesk.core.masking import mask_id_number
from estatedesk.notify.services import notification_send
from estatedesk.org import roles
from estatedesk.org.enums import Relation
from estatedesk.org.models import Occupancy, Resident, Unit

GRANT_DEFAULT_MINUTES = 30
GRANT_MIN_MINUTES = 5
GRANT_MAX_MINUTES = 120
LOAN_MAX_DAYS = 30


def _require(user: Any, site_id: int, group: frozenset[str]) -> None:
    if not roles.has_role(user, site_id, group):
        raise PermissionDenied()


# --- documents (AR-1) ---------------------------------------------------------------------


def _store_version(
    *, document: ArchiveDocument, number: int, file: IO[bytes], name: str, note: str, actor: Any
) -> DocumentVersion:
    checked = files.check_upload(file, name)
    storage_name = files.store(checked.content, folder=f"site{document.site_id}")
    try:
        return DocumentVersion.objects.create(
            document=document,
            number=number,
            storage_name=storage_name,
            content_type=checked.content_type,
            size=len(checked.content),
            sha256=checked.sha256,
            original_name=checked.original_name,
            width=checked.width,
            height=checked.height,
            note=note.strip()[:200],
            uploaded_by=actor,
            uploaded_at=clock.now(),
        )
    except Exception:
        files.remove(storage_name)
        raise


@transaction.atomic
def document_upload(
    *, unit: Unit, kind: str, title: str, file: IO[bytes], name: str, note: str = "", actor: Any
) -> ArchiveDocument:
    """AR-1: file a new document in the unit's archive; only the CS center files documents.

    The file is checked (size, magic bytes, name matching the content) and written under
    MEDIA_ROOT with a random name. Side effects in order: ArchiveDocument and its version 1,
    event ``archives.document_uploaded``. A failed transaction removes the written file.
    """
    _require(actor, unit.site_id, access.ARCHIVE_DESK)
    if kind not in DocumentKind.values:
        raise ValidationFailed(_("请选择文件类别。"))
    now = clock.now()
    document = ArchiveDocument.objects.create(
        site_id=unit.site_id,
        unit=unit,
        kind=kind,
        source=KIND_SOURCE[kind],
        title=(title.strip() or str(DocumentKind(kind).label))[:120],
        current_version=1,
        created_at=now,
        updated_at=now,
    )
    version = _store_version(
        document=document, number=1, file=file, name=name, note=note, actor=actor
    )
    events.record(
        verb="archives.document_uploaded",
        subject=document,
        actor=actor,
        after={"kind": kind, "title": document.title, "version": 1},
        data={"sha256": version.sha256, "size": version.size},
    )
    return document


@transaction.atomic
def document_replace(
    *,
    document: ArchiveDocument,
    expected_version: int,
    file: IO[bytes],
    name: str,
    note: str,
    actor: Any,
) -> DocumentVersion:
    """AR-1: replace a document's file; the earlier versions stay filed as its history.

    Compare-and-set on ``current_version``: if someone replaced it since the page was loaded,
    Conflict. Side effects: new DocumentVersion, ``current_version`` +1, event
    ``archives.document_replaced``.
    """
    _require(actor, document.site_id, access.ARCHIVE_DESK)
    if not note.strip():
        raise ValidationFailed(_("请说明替换原因。"))
    number = expected_version + 1
    updated = ArchiveDocument.objects.filter(
        pk=document.pk, current_version=expected_version
    ).update(current_version=number, updated_at=clock.now())
    if not updated:
        raise Conflict()
    version = _store_version(
        document=document, number=number, file=file, name=name, note=note, actor=actor
    )
    document.current_version = number
    events.record(
        verb="archives.document_replaced",
        subject=document,
        actor=actor,
        before={"version": expected_version},
        after={"version": number},
        data={"sha256": version.sha256, "note": version.note},
    )
    return version


# --- accompanied access (AR-3) ------------------------------------------------------------


@transaction.atomic
def grant_request(*, unit: Unit, purpose: str, actor: Any) -> AccessGrant:
    """AR-3: a team leader or above outside the CS center asks to consult a unit's archive,
    stating the purpose. Refused for CS desk staff (they need none) and for other roles.
    One pending or running request per person and unit. Event ``archives.grant_requested``."""
    held = roles.roles_at(actor, unit.site_id)
    if held & access.ARCHIVE_DESK or not held & access.GRANT_REQUESTERS:
        raise PermissionDenied(_("只有班长及以上的非客服人员需要申请陪同查阅（AR-3）。"))
    text = purpose.strip()
    if len(text) < 4:
        raise ValidationFailed(_("请写明查阅目的（至少 4 个字）。"))
    now = clock.now()
    pending = AccessGrant.objects.filter(requester=actor, unit=unit).filter(
        Q(state=GrantState.REQUESTED) | Q(state=GrantState.OPEN, expires_at__gt=now)
    )
    if pending.exists():
        raise ValidationFailed(_("您对该房屋已有待处理或进行中的查阅申请。"))
    grant = AccessGrant.objects.create(
        site_id=unit.site_id, unit=unit, requester=actor, purpose=text[:300], requested_at=now
    )
    events.record(
        verb="archives.grant_requested", subject=grant, actor=actor, after={"purpose": text}
    )
    return grant


def _grant_move(
    grant: AccessGrant, action: str, *, fields: dict[str, Any], actor: Any
) -> AccessGrant:
    """Apply one row of GRANT_TRANSITIONS with a compare-and-set on (state, version)."""
    old = grant.state
    new = GRANT_TRANSITIONS.get((old, action))
    if new is None:
        raise TransitionNotAllowed()
    updated = AccessGrant.objects.filter(pk=grant.pk, state=old, version=grant.version).update(
        state=new, version=grant.version + 1, **fields
    )
    if not updated:
        raise Conflict()
    for name, value in fields.items():
        setattr(grant, name, value)
    grant.state = new
    grant.version += 1
    events.record(
        verb=f"archives.grant_{action}",
        subject=grant,
        actor=actor,
        before={"state": old},
        after={"state": new, **{k: _plain(v) for k, v in fields.items()}},
    )
    return grant


def _plain(value: Any) -> Any:
    if hasattr(value, "pk"):
        return value.pk
    return value


@transaction.atomic
def grant_open(
    *, grant: AccessGrant, companion: Any, minutes: int = GRANT_DEFAULT_MINUTES, actor: Any
) -> AccessGrant:
    """AR-3: a CS staff member opens the accompanied session: time-boxed (default 30 minutes)
    and naming the CS person who accompanies the requester. Event ``archives.grant_open``."""
    _require(actor, grant.site_id, access.ARCHIVE_DESK)
    if companion is None or not roles.has_role(companion, grant.site_id, access.ARCHIVE_DESK):
        raise ValidationFailed(_("陪同人员必须是本管理处客服中心人员。"))
    if companion.pk == grant.requester_id:
        raise ValidationFailed(_("陪同人员不能是申请人本人。"))
    if not GRANT_MIN_MINUTES <= minutes <= GRANT_MAX_MINUTES:
        raise ValidationFailed(
            _("查阅时长须在 %(min)d 到 %(max)d 分钟之间。")
            % {"min": GRANT_MIN_MINUTES, "max": GRANT_MAX_MINUTES}
        )
    now = clock.now()
    return _grant_move(
        grant,
        GrantAction.OPEN,
        fields={
            "companion": companion,
            "minutes": minutes,
            "opened_at": now,
            "expires_at": now + dt.timedelta(minutes=minutes),
            "decided_by": actor,
            "decided_at": now,
        },
        actor=actor,
    )


@transaction.atomic
def grant_refuse(*, grant: AccessGrant, reason: str, actor: Any) -> AccessGrant:
    """AR-3: the CS desk refuses a request, with the reason. Event ``archives.grant_refuse``."""
    _require(actor, grant.site_id, access.ARCHIVE_DESK)
    if not reason.strip():
        raise ValidationFailed(_("请填写拒绝理由。"))
    now = clock.now()
    return _grant_move(
        grant,
        GrantAction.REFUSE,
        fields={"refusal_reason": reason.strip()[:200], "decided_by": actor, "decided_at": now},
        actor=actor,
    )


@transaction.atomic
def grant_cancel(*, grant: AccessGrant, actor: Any) -> AccessGrant:
    """The requester withdraws a request not yet opened. Event ``archives.grant_cancel``."""
    if grant.requester_id != actor.pk:
        raise PermissionDenied()
    return _grant_move(grant, GrantAction.CANCEL, fields={"closed_at": clock.now()}, actor=actor)


@transaction.atomic
def grant_close(*, grant: AccessGrant, actor: Any) -> AccessGrant:
    """AR-3: the session ends early, by the requester or the CS desk. Event
    ``archives.grant_close``."""
    if grant.requester_id != actor.pk:
        _require(actor, grant.site_id, access.ARCHIVE_DESK)
    return _grant_move(grant, GrantAction.CLOSE, fields={"closed_at": clock.now()}, actor=actor)


def access_log_record(
    *,
    unit: Unit,
    viewer: Any,
    grant: AccessGrant | None,
    action: str,
    version: DocumentVersion | None = None,
    channel: str = "web",
) -> ArchiveAccessLog:
    """AR-3: append who saw what, when, under which grant. The log row is itself the audit
    record (append-only), so no second Event is written for it."""
    if action not in AccessAction.values:
        raise ValidationFailed()
    return ArchiveAccessLog.objects.create(
        site_id=unit.site_id,
        unit=unit,
        document_id=version.document_id if version else None,
        document_version=version,
        viewer=viewer,
        grant=grant,
        action=action,
        viewed_at=clock.now(),
        channel=channel,
    )


# --- contact through the front desk (AR-3) ------------------------------------------------


@transaction.atomic
def contact_request_create(
    *, unit: Unit, resident: Resident | None, reason: str, actor: Any
) -> ContactRequest:
    """AR-3: staff who must reach an owner ask the CS front desk, which makes the call; the
    requester never gets the number. Event ``archives.contact_requested``."""
    _require(actor, unit.site_id, access.CONTACT_REQUESTERS)
    if resident is not None and not Occupancy.objects.filter(unit=unit, resident=resident).exists():
        raise ValidationFailed(_("所选住户不属于该房屋。"))
    text = reason.strip()
    if len(text) < 4:
        raise ValidationFailed(_("请写明联系事由（至少 4 个字）。"))
    request = ContactRequest.objects.create(
        site_id=unit.site_id,
        unit=unit,
        resident=resident,
        requester=actor,
        reason=text[:300],
        created_at=clock.now(),
    )
    events.record(
        verb="archives.contact_requested", subject=request, actor=actor, after={"reason": text}
    )
    return request


@transaction.atomic
def contact_request_log_call(
    *, request: ContactRequest, expected_version: int, outcome: str, note: str, actor: Any
) -> ContactRequest:
    """AR-3: the front desk records the call it made: outcome and time. Compare-and-set, so
    two desk staff cannot both log the same request. Event ``archives.contact_called``."""
    _require(actor, request.site_id, access.CONTACT_HANDLERS)
    if outcome not in ContactOutcome.values:
        raise ValidationFailed(_("请选择联系结果。"))
    now = clock.now()
    fields = {
        "state": ContactState.DONE,
        "outcome": outcome,
        "outcome_note": note.strip()[:300],
        "handled_by": actor,
        "called_at": now,
        "version": expected_version + 1,
    }
    updated = ContactRequest.objects.filter(
        pk=request.pk, state=ContactState.OPEN, version=expected_version
    ).update(**fields)
    if not updated:
        raise Conflict()
    for name, value in fields.items():
        setattr(request, name, value)
    events.record(
        verb="archives.contact_called",
        subject=request,
        actor=actor,
        before={"state": ContactState.OPEN},
        after={"state": ContactState.DONE, "outcome": outcome},
    )
    return request


# --- signatures (AR-2) --------------------------------------------------------------------


def _signature_create(
    *,
    site_id: int,
    signer_name: str,
    method: str,
    typed_text: str,
    drawn: str,
    actor: Any,
) -> Signature:
    """AR-2: a typed confirmation (the signer types their own name) or a drawn PNG."""
    name = signer_name.strip()
    if not name:
        raise ValidationFailed(_("请填写签名人姓名。"))
    image_name = ""
    text = ""
    if method == SignatureMethod.TYPED:
        text = typed_text.strip()
        if text != name:
            raise ValidationFailed(_("确认文字须为签名人本人姓名“%(name)s”。") % {"name": name})
    elif method == SignatureMethod.DRAWN:
        png = files.decode_signature(drawn)
        image_name = files.store(png, folder="signatures")
    else:
        raise ValidationFailed(_("请选择签名方式。"))
    try:
        return Signature.objects.create(
            site_id=site_id,
            signer_name=name[:50],
            method=method,
            typed_text=text[:100],
            image_name=image_name,
            signed_at=clock.now(),
            recorded_by=actor,
        )
    except Exception:
        if image_name:
            files.remove(image_name)
        raise


# --- move-in (AR-4, AR-2) -----------------------------------------------------------------


def _masked_id(id_type: str, id_number: str) -> str:
    """AR-4: the ID is checked at the counter; only its masked form is kept."""
    raw = id_number.strip().upper().replace(" ", "")
    if not raw:
        return ""
    if id_type == IdType.RESIDENT_ID and not _valid_resident_id(raw):
        raise ValidationFailed(_("居民身份证号码无效（18 位，末位校验码须正确）。"))
    if len(raw) < 6:
        raise ValidationFailed(_("证件号码过短。"))
    return mask_id_number(raw)


_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_ID_CHECK = "10X98765432"


def _valid_resident_id(raw: str) -> bool:
    if len(raw) != 18 or not raw[:17].isdigit():
        return False
    total = sum(int(digit) * weight for digit, weight in zip(raw[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == raw[17]


@transaction.atomic
def move_in_start(
    *, unit: Unit, resident: Resident, id_type: str, id_number: str, actor: Any
) -> MoveIn:
    """AR-4: open the move-in checklist of a resident registered at the unit. The ID number is
    stored masked only. Event ``archives.move_in_started``."""
    _require(actor, unit.site_id, access.MOVE_IN_DESK)
    occupancy = Occupancy.objects.filter(unit=unit, resident=resident).first()
    if occupancy is None:
        raise ValidationFailed(_("该住户未登记在此房屋，请先在房屋住户资料中登记。"))
    if id_type not in IdType.values:
        raise ValidationFailed(_("请选择证件类型。"))
    masked = _masked_id(id_type, id_number)
    if MoveIn.objects.filter(unit=unit, resident=resident, state=MoveInState.DRAFT).exists():
        raise ValidationFailed(_("该住户在此房屋已有办理中的入伙手续。"))
    try:
        with transaction.atomic():
            move_in = MoveIn.objects.create(
                site_id=unit.site_id,
                unit=unit,
                resident=resident,
                relation=occupancy.relation,
                id_type=id_type,
                id_masked=masked,
                started_by=actor,
                started_at=clock.now(),
            )
    except IntegrityError as exc:
        raise Conflict() from exc
    events.record(
        verb="archives.move_in_started",
        subject=move_in,
        actor=actor,
        after={"resident": resident.pk, "relation": occupancy.relation, "id": masked},
    )
    return move_in


@transaction.atomic
def move_in_update(
    *,
    move_in: MoveIn,
    expected_version: int,
    id_type: str,
    id_number: str,
    lease_checked: bool,
    registration_done: bool,
    actor: Any,
) -> MoveIn:
    """AR-4: record the checks of the checklist. A blank ID number keeps the one recorded.
    Compare-and-set on version. Event ``archives.move_in_updated``."""
    _require(actor, move_in.site_id, access.MOVE_IN_DESK)
    if move_in.state != MoveInState.DRAFT:
        raise TransitionNotAllowed()
    if id_type not in IdType.values:
        raise ValidationFailed(_("请选择证件类型。"))
    masked = _masked_id(id_type, id_number) if id_number.strip() else move_in.id_masked
    fields = {
        "id_type": id_type,
        "id_masked": masked,
        "lease_checked": lease_checked,
        "registration_done": registration_done,
        "version": expected_version + 1,
    }
    before = {
        "id": move_in.id_masked,
        "lease_checked": move_in.lease_checked,
        "registration_done": move_in.registration_done,
    }
    updated = MoveIn.objects.filter(
        pk=move_in.pk, state=MoveInState.DRAFT, version=expected_version
    ).update(**fields)
    if not updated:
        raise Conflict()
    for name, value in fields.items():
        setattr(move_in, name, value)
    events.record(
        verb="archives.move_in_updated",
        subject=move_in,
        actor=actor,
        before=before,
        after={
            "id": masked,
            "lease_checked": lease_checked,
            "registration_done": registration_done,
        },
    )
    return move_in


@transaction.atomic
def move_in_item_add(
    *,
    move_in: MoveIn,
    kind: str,
    description: str,
    quantity: int,
    identifier: str,
    actor: Any,
) -> MoveInItem:
    """AR-4: an access card, key or facility handed over; it waits for the resident's
    signature (AR-2). Event ``archives.move_in_item_added``."""
    _require(actor, move_in.site_id, access.MOVE_IN_DESK)
    if move_in.state != MoveInState.DRAFT:
        raise TransitionNotAllowed()
    if kind not in MoveInItemKind.values:
        raise ValidationFailed(_("请选择类别。"))
    if not description.strip():
        raise ValidationFailed(_("请填写物品或事项。"))
    if not 1 <= quantity <= 99:
        raise ValidationFailed(_("数量须在 1 到 99 之间。"))
    item = MoveInItem.objects.create(
        move_in=move_in,
        kind=kind,
        description=description.strip()[:100],
        quantity=quantity,
        identifier=identifier.strip()[:50],
        issued_by=actor,
        issued_at=clock.now(),
    )
    events.record(
        verb="archives.move_in_item_added",
        subject=move_in,
        actor=actor,
        after={"item": item.pk, "kind": kind, "description": item.description},
    )
    return item


@transaction.atomic
def move_in_item_confirm(
    *,
    item: MoveInItem,
    method: str,
    typed_text: str = "",
    drawn: str = "",
    actor: Any,
) -> MoveInItem:
    """AR-2: the resident confirms receipt of one handed-over item by signature (typed name
    with the time, or drawn on screen). Compare-and-set on "not yet signed". Side effects:
    Signature row (and its PNG file), item linked, event ``archives.move_in_item_signed``."""
    move_in = item.move_in
    _require(actor, move_in.site_id, access.MOVE_IN_DESK)
    if move_in.state != MoveInState.DRAFT:
        raise TransitionNotAllowed()
    signature = _signature_create(
        site_id=move_in.site_id,
        signer_name=move_in.resident.name,
        method=method,
        typed_text=typed_text,
        drawn=drawn,
        actor=actor,
    )
    updated = MoveInItem.objects.filter(pk=item.pk, signature__isnull=True).update(
        signature=signature
    )
    if not updated:
        if signature.image_name:
            files.remove(signature.image_name)
        raise Conflict(_("该物品已由住户签收。"))
    item.signature = signature
    events.record(
        verb="archives.move_in_item_signed",
        subject=move_in,
        actor=actor,
        after={"item": item.pk, "method": method, "signature": signature.pk},
    )
    return item


def move_in_missing(move_in: MoveIn, items: list[MoveInItem]) -> list[str]:
    """What still stops completion (AR-4 checklist, AR-2 signatures)."""
    missing: list[str] = []
    if not move_in.id_masked:
        missing.append(_("登记证件号码"))
    if move_in.relation == Relation.TENANT and not move_in.lease_checked:
        missing.append(_("核验租赁合同（租户）"))
    if not move_in.registration_done:
        missing.append(_("填写住户登记表"))
    kinds = {item.kind for item in items}
    if MoveInItemKind.ACCESS_CARD not in kinds:
        missing.append(_("发放门禁卡"))
    if MoveInItemKind.KEY not in kinds:
        missing.append(_("发放钥匙"))
    unsigned = [item.description for item in items if item.signature_id is None]
    if unsigned:
        missing.append(_("住户签收：%(items)s") % {"items": "、".join(unsigned)})
    return missing


@transaction.atomic
def move_in_complete(*, move_in: MoveIn, expected_version: int, actor: Any) -> MoveIn:
    """AR-4: complete the move-in once ID, lease (tenants), registration form, access card and
    keys are done and every item is signed for (AR-2). Event ``archives.move_in_completed``."""
    _require(actor, move_in.site_id, access.MOVE_IN_DESK)
    items = list(MoveInItem.objects.filter(move_in=move_in))
    missing = move_in_missing(move_in, items)
    if missing:
        raise ValidationFailed(_("尚不能完成入伙：%(missing)s。") % {"missing": "；".join(missing)})
    now = clock.now()
    updated = MoveIn.objects.filter(
        pk=move_in.pk, state=MoveInState.DRAFT, version=expected_version
    ).update(
        state=MoveInState.COMPLETED,
        completed_by=actor,
        completed_at=now,
        version=expected_version + 1,
    )
    if not updated:
        raise Conflict()
    move_in.state = MoveInState.COMPLETED
    move_in.completed_by = actor
    move_in.completed_at = now
    move_in.version = expected_version + 1
    events.record(
        verb="archives.move_in_completed",
        subject=move_in,
        actor=actor,
        before={"state": MoveInState.DRAFT},
        after={"state": MoveInState.COMPLETED, "items": len(items)},
    )
    return move_in


# --- keys (AR-5) --------------------------------------------------------------------------


@transaction.atomic
def key_register(*, unit: Unit, tag: str, label: str, copies: int, actor: Any) -> Key:
    """AR-5: enter a key held by management in the register. Event ``archives.key_registered``."""
    _require(actor, unit.site_id, access.KEY_KEEPERS)
    tag = tag.strip().upper()
    if not tag or not label.strip():
        raise ValidationFailed(_("请填写钥匙编号和名称。"))
    if not 1 <= copies <= 20:
        raise ValidationFailed(_("把数须在 1 到 20 之间。"))
    if Key.objects.filter(site_id=unit.site_id, tag=tag).exists():
        raise ValidationFailed(_("钥匙编号 %(tag)s 已存在。") % {"tag": tag})
    key = Key.objects.create(
        site_id=unit.site_id,
        unit=unit,
        tag=tag[:30],
        label=label.strip()[:60],
        copies=copies,
        created_at=clock.now(),
    )
    events.record(
        verb="archives.key_registered",
        subject=key,
        actor=actor,
        after={"tag": key.tag, "unit": unit.pk},
    )
    return key


def _key_move(key: Key, action: str, expected_version: int) -> str:
    """Compare-and-set one row of KEY_TRANSITIONS: two desks lending the same key at the same
    instant both read version v; the second UPDATE matches no row and gets Conflict."""
    old = key.state
    new = KEY_TRANSITIONS.get((old, action))
    if new is None:
        raise TransitionNotAllowed()
    updated = Key.objects.filter(pk=key.pk, state=old, version=expected_version).update(
        state=new, version=expected_version + 1
    )
    if not updated:
        raise Conflict(_("这把钥匙刚被他人办理，请刷新后查看。"))
    key.state = new
    key.version = expected_version + 1
    return old


@transaction.atomic
def key_lend(
    *,
    key: Key,
    expected_version: int,
    borrower_name: str,
    purpose: str,
    due_at: dt.datetime,
    borrower_user: Any = None,
    borrower_org: str = "",
    actor: Any,
) -> KeyLoan:
    """AR-5: lend a key against the register: borrower, purpose, due time.

    Compare-and-set on (state, version); the partial unique index on open loans backs it up.
    Side effects: key state lent, KeyLoan row, event ``archives.key_lent``.
    """
    _require(actor, key.site_id, access.KEY_KEEPERS)
    if borrower_user is not None:
        if not roles.has_role(borrower_user, key.site_id, roles.ALL_STAFF):
            raise ValidationFailed(_("借用员工不属于本管理处。"))
        borrower_name = borrower_name.strip() or (
            borrower_user.get_full_name() or borrower_user.get_username()
        )
    if not borrower_name.strip():
        raise ValidationFailed(_("请填写借用人。"))
    if len(purpose.strip()) < 2:
        raise ValidationFailed(_("请填写借用事由。"))
    now = clock.now()
    if due_at <= now:
        raise ValidationFailed(_("应还时间须晚于现在。"))
    if due_at > now + dt.timedelta(days=LOAN_MAX_DAYS):
        raise ValidationFailed(_("借用期限不能超过 %(days)d 天。") % {"days": LOAN_MAX_DAYS})
    old = _key_move(key, KeyAction.LEND, expected_version)
    try:
        with transaction.atomic():
            loan = KeyLoan.objects.create(
                site_id=key.site_id,
                key=key,
                borrower_name=borrower_name.strip()[:50],
                borrower_user=borrower_user,
                borrower_org=borrower_org.strip()[:80],
                purpose=purpose.strip()[:200],
                lent_at=now,
                due_at=due_at,
                lent_by=actor,
            )
    except IntegrityError as exc:
        raise Conflict(_("这把钥匙刚被他人办理，请刷新后查看。")) from exc
    events.record(
        verb="archives.key_lent",
        subject=key,
        actor=actor,
        before={"state": old},
        after={"state": key.state, "loan": loan.pk, "borrower": loan.borrower_name},
        data={"due_at": due_at.isoformat(), "purpose": loan.purpose},
    )
    return loan


@transaction.atomic
def key_return(*, key: Key, expected_version: int, note: str = "", actor: Any) -> KeyLoan:
    """AR-5: the borrowed key comes back; the register line gets the time and receiver.
    Event ``archives.key_returned``."""
    _require(actor, key.site_id, access.KEY_KEEPERS)
    loan = KeyLoan.objects.filter(key=key, returned_at__isnull=True).first()
    if loan is None:
        raise TransitionNotAllowed()
    old = _key_move(key, KeyAction.RETURN, expected_version)
    now = clock.now()
    updated = KeyLoan.objects.filter(pk=loan.pk, returned_at__isnull=True).update(
        returned_at=now, received_by=actor, return_note=note.strip()[:200]
    )
    if not updated:
        raise Conflict()
    loan.returned_at = now
    loan.received_by = actor
    loan.return_note = note.strip()[:200]
    events.record(
        verb="archives.key_returned",
        subject=key,
        actor=actor,
        before={"state": old},
        after={"state": key.state, "loan": loan.pk},
        data={"late": now > loan.due_at},
    )
    return loan


@transaction.atomic
def key_hand_over(
    *,
    key: Key,
    expected_version: int,
    resident: Resident,
    formalities_ref: str,
    method: str,
    typed_text: str = "",
    drawn: str = "",
    actor: Any,
) -> KeyHandover:
    """AR-5: once renovation formalities are done, the key goes to the owner, who signs (AR-2).
    Side effects: key state handed_over, Signature, KeyHandover, event
    ``archives.key_handed_over``."""
    _require(actor, key.site_id, access.KEY_KEEPERS)
    if not Occupancy.objects.filter(
        unit_id=key.unit_id, resident=resident, relation=Relation.OWNER
    ).exists():
        raise ValidationFailed(_("钥匙只能移交给该房屋的业主。"))
    if not formalities_ref.strip():
        raise ValidationFailed(_("请填写已办妥的装修手续（如装修申请编号）。"))
    old = _key_move(key, KeyAction.HAND_OVER, expected_version)
    signature = _signature_create(
        site_id=key.site_id,
        signer_name=resident.name,
        method=method,
        typed_text=typed_text,
        drawn=drawn,
        actor=actor,
    )
    handover = KeyHandover.objects.create(
        key=key,
        resident=resident,
        formalities_ref=formalities_ref.strip()[:120],
        signature=signature,
        handed_by=actor,
        handed_at=clock.now(),
    )
    events.record(
        verb="archives.key_handed_over",
        subject=key,
        actor=actor,
        before={"state": old},
        after={"state": key.state, "resident": resident.pk, "signature": signature.pk},
    )
    return handover


@transaction.atomic
def key_loan_flag_overdue(*, loan_id: int, now: dt.datetime) -> KeyLoan | None:
    """AR-5: flag an open loan past its due time, once, and tell who lent it and the borrower.

    Idempotent: the flag is a compare-and-set on ``overdue_flagged_at IS NULL``, so a second
    run (or a second worker) finds nothing to do; the notifications carry a dedupe key too.
    Returns the loan if this call flagged it, else None. Side effects in order: the flag,
    event ``archives.key_overdue``, one notification per recipient (outbox, same transaction).
    """
    updated = KeyLoan.objects.filter(
        pk=loan_id, returned_at__isnull=True, overdue_flagged_at__isnull=True, due_at__lte=now
    ).update(overdue_flagged_at=now)
    if not updated:
        return None
    loan = KeyLoan.objects.select_related(
        "key__unit__building", "site", "lent_by", "borrower_user"
    ).get(pk=loan_id)
    events.record(
        verb="archives.key_overdue",
        subject=loan.key,
        actor=None,
        at=now,
        after={"loan": loan.pk, "due_at": loan.due_at.isoformat()},
    )
    title = _("钥匙逾期未还：%(tag)s（%(unit)s）") % {
        "tag": loan.key.tag,
        "unit": loan.key.unit.label,
    }
    body = _("借用人 %(who)s，事由：%(purpose)s，应还时间 %(due)s。请尽快收回钥匙。") % {
        "who": loan.borrower_name,
        "purpose": loan.purpose,
        "due": clock.localtime(loan.due_at).strftime("%Y-%m-%d %H:%M"),
    }
    recipients = {loan.lent_by_id: loan.lent_by}
    if loan.borrower_user is not None:
        recipients[loan.borrower_user.pk] = loan.borrower_user
    for user in recipients.values():
        notification_send(
            site=loan.site,
            topic="archives.key_overdue",
            title=title,
            body=body,
            url=reverse("archives:key_return", args=[loan.key_id]),
            user=user,
            dedupe_key=f"archives.key_overdue:{loan.pk}",
        )
    return loan
