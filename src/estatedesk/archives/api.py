"""Archives API: document metadata for allowed users, access grants, key lending, contact
requests. Same selectors and services as the pages; no endpoint returns file content (AR-3)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from estatedesk.archives import rules as access
from estatedesk.archives import selectors, services
from estatedesk.archives.enums import AccessAction
from estatedesk.archives.models import AccessGrant, ArchiveDocument, ContactRequest, Key
from estatedesk.core import clock
from estatedesk.core.errors import NotFound
from estatedesk.core.masking import phone_for
from estatedesk.core.paging import BoundedLimitOffset
from estatedesk.org import roles

router = Router(tags=["archives"])


class VersionOut(Schema):
    number: int
    content_type: str
    size: int
    uploaded_at: dt.datetime
    note: str


class DocumentOut(Schema):
    id: int
    kind: str
    kind_label: str = Field(..., alias="get_kind_display")
    source: str
    title: str
    current_version: int
    versions: list[VersionOut]

    @staticmethod
    def resolve_versions(obj: ArchiveDocument) -> list[Any]:
        return list(obj.versions.all())


class GrantOut(Schema):
    id: int
    unit_id: int
    unit: str
    requester: str
    purpose: str
    state: str
    requested_at: dt.datetime
    companion: str | None
    opened_at: dt.datetime | None
    expires_at: dt.datetime | None
    active: bool

    @staticmethod
    def resolve_unit(obj: AccessGrant) -> str:
        return obj.unit.label

    @staticmethod
    def resolve_requester(obj: AccessGrant) -> str:
        return obj.requester.get_username()

    @staticmethod
    def resolve_companion(obj: AccessGrant) -> str | None:
        return obj.companion.get_username() if obj.companion else None

    @staticmethod
    def resolve_active(obj: AccessGrant) -> bool:
        return obj.is_active_at(clock.now())


class GrantIn(Schema):
    unit_id: int
    purpose: str


class GrantOpenIn(Schema):
    companion_id: int
    minutes: int = services.GRANT_DEFAULT_MINUTES


class LoanOut(Schema):
    id: int
    borrower_name: str
    borrower_org: str
    purpose: str
    lent_at: dt.datetime
    due_at: dt.datetime
    returned_at: dt.datetime | None
    overdue: bool

    @staticmethod
    def resolve_overdue(obj: Any) -> bool:
        return bool(obj.is_overdue_at(clock.now()))


class KeyOut(Schema):
    id: int
    tag: str
    label: str
    copies: int
    unit_id: int
    unit: str
    state: str
    version: int
    loan: LoanOut | None

    @staticmethod
    def resolve_unit(obj: Key) -> str:
        return obj.unit.label

    @staticmethod
    def resolve_loan(obj: Key) -> Any:
        return selectors.open_loan(obj)


class LendIn(Schema):
    expected_version: int
    borrower_name: str = ""
    borrower_user_id: int | None = None
    borrower_org: str = ""
    purpose: str
    due_at: dt.datetime


class ReturnIn(Schema):
    expected_version: int
    note: str = ""


class ContactIn(Schema):
    unit_id: int
    reason: str


class ContactOut(Schema):
    id: int
    unit_id: int
    unit: str
    reason: str
    state: str
    created_at: dt.datetime
    outcome: str
    outcome_note: str
    called_at: dt.datetime | None
    phones: list[str]

    @staticmethod
    def resolve_unit(obj: ContactRequest) -> str:
        return obj.unit.label

    @staticmethod
    def resolve_phones(obj: ContactRequest, context: dict[str, Any]) -> list[str]:
        """Full numbers only for the front desk (AR-3); everyone else gets masked ones."""
        user = context["request"].user
        may_see = roles.may_see_personal_data(user, obj.site_id)
        people = [obj.resident] if obj.resident else list(obj.unit.residents.all())
        return [phone_for(r.phone, may_see=may_see) for r in people if r is not None]


@router.get(
    "/units/{unit_id}/documents",
    response=list[DocumentOut],
    summary="Documents of a unit's archive (metadata only; AR-3 access, logged)",
)
def unit_documents(request: HttpRequest, unit_id: int) -> Any:
    archive = selectors.archive_access_for_user(request.user, unit_id)
    services.access_log_record(
        unit=archive.unit,
        viewer=request.user,
        grant=archive.grant,
        action=AccessAction.LIST,
        channel="api",
    )
    return list(selectors.documents_of_unit(archive.unit))


@router.get("/grants", response=list[GrantOut], summary="Access grants: mine, or the desk queue")
@paginate(BoundedLimitOffset)
def grant_list(request: HttpRequest, scope: str = "mine") -> Any:
    roles.require_staff(request.user)
    if scope == "queue":
        return selectors.grant_queue(request.user)
    return selectors.grants_of_requester(request.user)


@router.post("/grants", response={201: GrantOut}, summary="Request accompanied access (AR-3)")
def grant_create(request: HttpRequest, payload: GrantIn) -> Any:
    unit = selectors.get_unit_for_user(request.user, payload.unit_id, access.GRANT_REQUESTERS)
    grant = services.grant_request(unit=unit, purpose=payload.purpose, actor=request.user)
    return Status(201, selectors.get_grant_for_user(request.user, grant.pk))


@router.post("/grants/{grant_id}/open", response=GrantOut, summary="Open the session (CS desk)")
def grant_open(request: HttpRequest, grant_id: int, payload: GrantOpenIn) -> Any:
    grant = selectors.get_grant_for_user(request.user, grant_id)
    companion = selectors.desk_staff(grant.site_id).filter(pk=payload.companion_id).first()
    services.grant_open(
        grant=grant, companion=companion, minutes=payload.minutes, actor=request.user
    )
    return selectors.get_grant_for_user(request.user, grant_id)


@router.post("/grants/{grant_id}/close", response=GrantOut, summary="End a session early")
def grant_close(request: HttpRequest, grant_id: int) -> Any:
    grant = selectors.get_grant_for_user(request.user, grant_id)
    services.grant_close(grant=grant, actor=request.user)
    return selectors.get_grant_for_user(request.user, grant_id)


@router.get("/keys", response=list[KeyOut], summary="Key register (AR-5)")
@paginate(BoundedLimitOffset)
def key_list(request: HttpRequest, state: str = "", overdue: bool = False) -> Any:
    roles.require_staff(request.user)
    return selectors.key_register(request.user, state=state, overdue_only=overdue)


@router.post("/keys/{key_id}/lend", response={201: LoanOut}, summary="Lend a key (AR-5)")
def key_lend(request: HttpRequest, key_id: int, payload: LendIn) -> Any:
    key = selectors.get_key_for_user(request.user, key_id, access.KEY_KEEPERS)
    borrower = None
    if payload.borrower_user_id is not None:
        borrower = selectors.site_staff(key.site_id).filter(pk=payload.borrower_user_id).first()
        if borrower is None:
            raise NotFound()
    loan = services.key_lend(
        key=key,
        expected_version=payload.expected_version,
        borrower_name=payload.borrower_name,
        borrower_user=borrower,
        borrower_org=payload.borrower_org,
        purpose=payload.purpose,
        due_at=payload.due_at,
        actor=request.user,
    )
    return Status(201, loan)


@router.post("/keys/{key_id}/return", response=LoanOut, summary="Take a lent key back (AR-5)")
def key_return(request: HttpRequest, key_id: int, payload: ReturnIn) -> Any:
    key = selectors.get_key_for_user(request.user, key_id, access.KEY_KEEPERS)
    return services.key_return(
        key=key, expected_version=payload.expected_version, note=payload.note, actor=request.user
    )


@router.get("/contacts", response=list[ContactOut], summary="My requests to contact an owner")
@paginate(BoundedLimitOffset)
def contact_list(request: HttpRequest, scope: str = "mine") -> Any:
    roles.require_staff(request.user)
    rows = (
        selectors.contact_queue(request.user)
        if scope == "queue"
        else selectors.contact_requests_of(request.user)
    )
    return rows.prefetch_related("unit__residents")


@router.post("/contacts", response={201: ContactOut}, summary="Ask the front desk to call (AR-3)")
def contact_create(request: HttpRequest, payload: ContactIn) -> Any:
    unit = selectors.get_unit_for_user(request.user, payload.unit_id, access.CONTACT_REQUESTERS)
    contact = services.contact_request_create(
        unit=unit, resident=None, reason=payload.reason, actor=request.user
    )
    return Status(201, contact)
