"""Tickets API at /api/v1/tickets/: the same services and selectors as the pages.

Create is idempotent with an ``Idempotency-Key`` header (a retry gets the first answer, never
a second ticket); updates and actions carry the ``version`` the client saw and get 409 with the
current state when someone moved first. Errors are JSON ``{"code", "detail"}``."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.urls import reverse
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from estatedesk.core import clock, masking
from estatedesk.core.errors import NotFound, ValidationFailed
from estatedesk.core.models import IdempotencyRecord
from estatedesk.core.paging import OffsetField
from estatedesk.org import roles
from estatedesk.org.models import PublicPlace, Resident, Site, Unit
from estatedesk.tickets import selectors, services, timeline, workflow
from estatedesk.tickets.enums import AttachmentPurpose
from estatedesk.tickets.models import Attachment, Note, Ticket

router = Router(tags=["tickets"])

IDEMPOTENCY_SCOPE = "tickets.create"
MAX_LIMIT = 100


class Error(Schema):
    code: str
    detail: str


class TicketIn(Schema):
    site_id: int
    kind: str
    channel: str
    description: str
    reporter_name: str = ""
    reporter_phone: str = ""
    unit_id: int | None = None
    place_id: int | None = None
    location_text: str = ""
    occurred_at: dt.datetime | None = None
    people_involved: str = ""
    resident_id: int | None = None
    received_at: dt.datetime | None = None
    urgency: str = ""
    is_complex: bool = False
    confidential: bool = False
    repair_class: str = ""


class TicketOut(Schema):
    id: int
    number: str
    site_id: int
    kind: str
    channel: str
    state: str
    state_label: str
    version: int
    urgency: str
    is_complex: bool
    description: str
    location: str
    reporter_name: str
    reporter_phone: str
    department_id: int | None
    department: str
    assignee_id: int | None
    assignee: str
    received_at: dt.datetime
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None
    next_due_at: dt.datetime | None
    rating: int | None


class ActionOut(Schema):
    action: str
    label: str


class TicketDetailOut(TicketOut):
    occurred_at: dt.datetime | None
    people_involved: str
    repair_class: str
    confidential: bool
    actions: list[ActionOut]


class TicketPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[TicketOut]


class ListFilters(Schema):
    site_id: int | None = None
    kind: str = ""
    state: str = ""
    department_id: int | None = None
    overdue: bool = False
    mine: bool = False
    q: str = ""
    limit: int = 25
    offset: int = OffsetField()


class UpdateIn(Schema):
    version: int
    description: str | None = None
    urgency: str | None = None
    is_complex: bool | None = None
    confidential: bool | None = None
    repair_class: str | None = None
    location_text: str | None = None
    people_involved: str | None = None
    occurred_at: dt.datetime | None = None
    reporter_name: str | None = None
    reporter_phone: str | None = None


class ActionIn(Schema):
    version: int | None = None
    payload: dict[str, Any] = {}


class NoteIn(Schema):
    body: str
    public: bool = False
    solution: bool = False


class NoteOut(Schema):
    id: int
    body: str
    public: bool
    solution: bool
    author: str
    created_at: dt.datetime


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    purpose: str
    url: str


class RatingIn(Schema):
    rating: int
    comment: str = ""


class EventOut(Schema):
    at: dt.datetime
    verb: str
    label: str
    actor: str
    text: str


def _name(user: Any) -> str:
    if user is None:
        return ""
    return (user.get_full_name() or "").strip() or user.get_username()


def _out(ticket: Ticket, may_see: set[int]) -> dict[str, Any]:
    return {
        "id": ticket.pk,
        "number": ticket.number,
        "site_id": ticket.site_id,
        "kind": ticket.kind,
        "channel": ticket.channel,
        "state": ticket.state,
        "state_label": str(ticket.get_state_display()),
        "version": ticket.version,
        "urgency": ticket.urgency,
        "is_complex": ticket.is_complex,
        "description": ticket.description,
        "location": ticket.location_label,
        "reporter_name": ticket.reporter_name,
        "reporter_phone": masking.phone_for(
            ticket.reporter_phone, may_see=ticket.site_id in may_see
        ),
        "department_id": ticket.department_id,
        "department": ticket.department.name if ticket.department else "",
        "assignee_id": ticket.assignee_id,
        "assignee": _name(ticket.assignee),
        "received_at": ticket.received_at,
        "resolved_at": ticket.resolved_at,
        "closed_at": ticket.closed_at,
        "next_due_at": ticket.next_due_at,
        "rating": ticket.rating,
    }


def _may_see(user: Any) -> set[int]:
    return set(roles.site_ids_with(user, roles.PERSONAL_DATA))


def _detail(user: Any, ticket_id: int) -> dict[str, Any]:
    ticket = selectors.get_ticket_for_user(user, ticket_id)
    body = _out(ticket, _may_see(user))
    body.update(
        {
            "occurred_at": ticket.occurred_at,
            "people_involved": ticket.people_involved,
            "repair_class": ticket.repair_class,
            "confidential": ticket.confidential,
            "actions": [
                {"action": t.action, "label": str(t.label)}
                for t in workflow.allowed_actions(ticket, user)
            ],
        }
    )
    return body


def _site_object(model: Any, pk: int | None, site: Site) -> Any:
    if pk is None:
        return None
    obj = model.objects.filter(pk=pk, site=site).first()
    if obj is None:
        raise ValidationFailed(f"{model._meta.verbose_name} #{pk} 不属于该管理处。")
    return obj


@router.post(
    "/",
    response={201: TicketDetailOut, 400: Error, 403: Error, 404: Error, 409: Error},
    summary="Register a request (Idempotency-Key header makes retries safe)",
)
def create_ticket(request: HttpRequest, data: TicketIn) -> Status:
    user = cast(User, request.user)
    key = (request.headers.get("Idempotency-Key") or "").strip()[:120]
    if key:
        record = IdempotencyRecord.objects.filter(
            user=user, scope=IDEMPOTENCY_SCOPE, key=key
        ).first()
        if record is not None:
            return Status(record.status_code, record.response)
    site = Site.objects.filter(pk=data.site_id).first()
    if site is None or not (
        roles.has_role(user, site.pk, roles.ALL_STAFF)
        or getattr(selectors.resident_of(user), "site_id", None) == site.pk
    ):
        raise NotFound()
    try:
        with transaction.atomic():
            ticket = services.ticket_create(
                site=site,
                actor=user,
                kind=data.kind,
                channel=data.channel,
                description=data.description,
                reporter_name=data.reporter_name,
                reporter_phone=data.reporter_phone,
                unit=_site_object(Unit, data.unit_id, site),
                place=_site_object(PublicPlace, data.place_id, site),
                location_text=data.location_text,
                occurred_at=data.occurred_at,
                people_involved=data.people_involved,
                resident=_site_object(Resident, data.resident_id, site),
                received_at=data.received_at,
                urgency=data.urgency,
                is_complex=data.is_complex,
                confidential=data.confidential,
                repair_class=data.repair_class,
            )
            body = TicketDetailOut(**_detail(user, ticket.pk)).model_dump(mode="json")
            if key:
                # The unique (user, scope, key) constraint decides a race between two retries:
                # the loser's IntegrityError rolls its ticket back and it replays the winner's.
                IdempotencyRecord.objects.create(
                    user=user,
                    scope=IDEMPOTENCY_SCOPE,
                    key=key,
                    status_code=201,
                    response=body,
                    created_at=clock.now(),
                )
    except IntegrityError:
        record = (
            IdempotencyRecord.objects.filter(user=user, scope=IDEMPOTENCY_SCOPE, key=key).first()
            if key
            else None
        )
        if record is None:
            raise
        return Status(record.status_code, record.response)
    return Status(201, body)


@router.get("/", response=TicketPage, summary="List tickets (filters, paginated)")
def list_tickets(request: HttpRequest, filters: Query[ListFilters]) -> dict[str, Any]:
    limit = max(1, min(filters.limit, MAX_LIMIT))
    offset = max(0, filters.offset)
    queryset = selectors.ticket_list(
        request.user,
        selectors.TicketFilters(
            site_id=filters.site_id,
            kind=filters.kind,
            state=filters.state,
            department_id=filters.department_id,
            overdue=filters.overdue,
            mine=filters.mine,
            q=filters.q,
        ),
    )
    may_see = _may_see(request.user)
    items = [_out(t, may_see) for t in queryset[offset : offset + limit]]
    return {"count": queryset.count(), "limit": limit, "offset": offset, "items": items}


@router.get("/{int:ticket_id}", response={200: TicketDetailOut, 404: Error})
def get_ticket(request: HttpRequest, ticket_id: int) -> dict[str, Any]:
    return _detail(request.user, ticket_id)


@router.patch(
    "/{int:ticket_id}",
    response={200: TicketDetailOut, 400: Error, 403: Error, 404: Error, 409: Error},
    summary="Correct register fields (version required; stale version -> 409)",
)
def update_ticket(request: HttpRequest, ticket_id: int, data: UpdateIn) -> dict[str, Any]:
    selectors.get_ticket_for_user(request.user, ticket_id)
    changes = data.dict(exclude_unset=True)
    version = changes.pop("version")
    services.ticket_update(
        ticket_id=ticket_id, actor=request.user, expected_version=version, changes=changes
    )
    return _detail(request.user, ticket_id)


@router.get("/{int:ticket_id}/actions", response={200: list[ActionOut], 404: Error})
def list_actions(request: HttpRequest, ticket_id: int) -> list[dict[str, str]]:
    ticket = selectors.get_ticket_for_user(request.user, ticket_id)
    return [
        {"action": t.action, "label": str(t.label)}
        for t in workflow.allowed_actions(ticket, request.user)
    ]


@router.post(
    "/{int:ticket_id}/actions/{action}",
    response={200: TicketDetailOut, 400: Error, 403: Error, 404: Error, 409: Error},
    summary="Take a workflow action (dispatch, start, complete, close ...)",
)
def take_action(
    request: HttpRequest, ticket_id: int, action: str, data: ActionIn
) -> dict[str, Any]:
    selectors.get_ticket_for_user(request.user, ticket_id)
    payload = {k: v for k, v in data.payload.items() if k != "files"}
    services.ticket_act(
        ticket_id=ticket_id,
        action=action,
        actor=request.user,
        expected_version=data.version,
        payload=payload,
    )
    return _detail(request.user, ticket_id)


def _note_out(note: Note) -> dict[str, Any]:
    return {
        "id": note.pk,
        "body": note.body,
        "public": note.is_public,
        "solution": note.is_solution,
        "author": note.author_label,
        "created_at": note.created_at,
    }


@router.get("/{int:ticket_id}/notes", response={200: list[NoteOut], 404: Error})
def list_notes(request: HttpRequest, ticket_id: int) -> list[dict[str, Any]]:
    ticket = selectors.get_ticket_for_user(request.user, ticket_id)
    notes = ticket.notes.all()
    if not roles.is_staff_member(request.user):
        notes = notes.filter(is_public=True)
    return [_note_out(n) for n in notes]


@router.post("/{int:ticket_id}/notes", response={201: NoteOut, 400: Error, 403: Error, 404: Error})
def add_note(request: HttpRequest, ticket_id: int, data: NoteIn) -> Status:
    selectors.get_ticket_for_user(request.user, ticket_id)
    note = services.note_add(
        ticket_id=ticket_id,
        actor=request.user,
        body=data.body,
        is_public=data.public,
        is_solution=data.solution,
    )
    return Status(201, _note_out(note))


def _attachment_out(attachment: Attachment) -> dict[str, Any]:
    return {
        "id": attachment.pk,
        "name": attachment.original_name,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "purpose": attachment.purpose,
        "url": reverse("tickets:attachment", args=[attachment.pk]),
    }


@router.get("/{int:ticket_id}/attachments", response={200: list[AttachmentOut], 404: Error})
def list_attachments(request: HttpRequest, ticket_id: int) -> list[dict[str, Any]]:
    ticket = selectors.get_ticket_for_user(request.user, ticket_id)
    for_resident = not roles.is_staff_member(request.user)
    return [_attachment_out(a) for a in selectors.attachments_of(ticket, for_resident=for_resident)]


@router.post(
    "/{int:ticket_id}/attachments",
    response={201: list[AttachmentOut], 400: Error, 403: Error, 404: Error},
    summary="Upload images/PDFs (multipart field 'files'; type sniffed, size-limited)",
)
def add_attachments(
    request: HttpRequest,
    ticket_id: int,
    files: File[list[UploadedFile]],
    purpose: Form[str] = AttachmentPurpose.REPORT,
) -> Status:
    selectors.get_ticket_for_user(request.user, ticket_id)
    stored = services.attachment_add(
        ticket_id=ticket_id, actor=request.user, files=files, purpose=purpose
    )
    return Status(201, [_attachment_out(a) for a in stored])


@router.post(
    "/{int:ticket_id}/rating",
    response={200: TicketDetailOut, 400: Error, 403: Error, 404: Error, 409: Error},
    summary="Rate the result 1-5 (RQ-10); 1-2 opens a call-back task",
)
def rate_ticket(request: HttpRequest, ticket_id: int, data: RatingIn) -> dict[str, Any]:
    selectors.get_ticket_for_user(request.user, ticket_id)
    services.ticket_rate(
        ticket_id=ticket_id, actor=request.user, rating=data.rating, comment=data.comment
    )
    return _detail(request.user, ticket_id)


@router.get("/{int:ticket_id}/events", response={200: list[EventOut], 404: Error})
def list_events(request: HttpRequest, ticket_id: int) -> list[dict[str, Any]]:
    """The timeline; a resident gets only the public entries (RQ-9)."""
    ticket = selectors.get_ticket_for_user(request.user, ticket_id)
    for_resident = not roles.is_staff_member(request.user)
    return [
        {"at": e.at, "verb": e.verb, "label": e.label, "actor": e.actor, "text": e.text}
        for e in timeline.entries(
            selectors.timeline(ticket), for_resident=for_resident, confidential=ticket.confidential
        )
    ]
