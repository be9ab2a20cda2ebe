"""Complaints API at /api/v1/complaints/: the same services and selectors as the pages.

Create is idempotent with an ``Idempotency-Key`` header (a retry gets the first answer, never a
second complaint). Errors are JSON ``{"code", "detail"}``; another site's complaint is 404."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from estatedesk.complaints import selectors, services, workflow
from estatedesk.complaints.models import Complaint, CorrectiveAction, ExtensionRequest
from estatedesk.core import clock, masking
from estatedesk.core.errors import NotFound, ValidationFailed
from estatedesk.core.models import IdempotencyRecord
from estatedesk.core.paging import OffsetField
from estatedesk.org import roles
from estatedesk.org.models import PublicPlace, Resident, Site, Unit
from estatedesk.tickets.enums import Channel

router = Router(tags=["complaints"])

IDEMPOTENCY_SCOPE = "complaints.create"
MAX_LIMIT = 100


class Error(Schema):
    code: str
    detail: str


class ComplaintIn(Schema):
    site_id: int
    channel: str = Channel.HOTLINE
    description: str
    reporter_name: str
    reporter_phone: str = ""
    unit_id: int | None = None
    place_id: int | None = None
    location_text: str = ""
    occurred_at: dt.datetime | None = None
    resident_id: int | None = None
    received_at: dt.datetime | None = None
    validity: str
    invalid_reason: str = ""
    scope: str
    non_property_kind: str = ""
    external_party_id: int | None = None
    referred_to: str = ""
    severity: str
    department_id: int | None = None
    complained_person: str = ""
    demand: str
    reasonable_deadline: dt.datetime | None = None
    contact_note: str = ""
    apology: str


class ComplaintOut(Schema):
    id: int
    ticket_id: int
    number: str
    site_id: int
    received_at: dt.datetime
    validity: str
    scope: str
    severity: str
    initial_severity: str
    upgraded_at: dt.datetime | None
    upgrade_reason: str
    stage: str
    stage_label: str
    version: int
    ticket_state: str
    department_id: int | None
    department: str
    complained_person: str
    description: str
    demand: str
    reporter_name: str
    reporter_phone: str
    reasonable_deadline: dt.datetime | None
    form_signed_at: dt.datetime | None
    reported_at: dt.datetime | None
    answered_at: dt.datetime | None
    handled_at: dt.datetime | None
    form_returned_at: dt.datetime | None
    told_at: dt.datetime | None
    next_due_at: dt.datetime | None


class ClockOut(Schema):
    kind: str
    rule: str
    name: str
    status: str
    due_at: dt.datetime
    met_at: dt.datetime | None


class ComplaintDetailOut(ComplaintOut):
    apology: str
    handling: str
    actions: list[str]
    clocks: list[ClockOut]
    related: list[str]


class ComplaintPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[ComplaintOut]


class ListFilters(Schema):
    site_id: int | None = None
    severity: str = ""
    validity: str = ""
    stage: str = ""
    todo: str = ""
    q: str = ""
    limit: int = 25
    offset: int = OffsetField()


class ReportIn(Schema):
    reported_to_id: int | None = None
    via: str = "system"


class TextIn(Schema):
    text: str = ""


class ExtensionIn(Schema):
    until: dt.datetime
    reason: str


class DecisionIn(Schema):
    approve: bool
    note: str = ""


class ExtensionOut(Schema):
    id: int
    complaint_id: int
    until: dt.datetime
    reason: str
    approver_role: str
    state: str
    decided_at: dt.datetime | None
    decision_note: str


class HandlingIn(Schema):
    handling: str
    caused_by_substandard_work: bool = False


class TellIn(Schema):
    via: str
    note: str


class VisitIn(Schema):
    via: str
    result: str
    satisfaction: str


class CapaIn(Schema):
    nonconformity: str
    cause: str
    correction: str
    prevention: str
    owner_id: int
    due_date: dt.date


class VerifyIn(Schema):
    verification: str
    accept: bool


class CapaOut(Schema):
    id: int
    complaint_id: int
    reason: str
    state: str
    owner_id: int
    due_date: dt.date
    cause: str
    correction: str
    prevention: str
    verification: str
    closed_at: dt.datetime | None


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _out(c: Complaint, may_see: set[int]) -> dict[str, Any]:
    ticket = c.ticket
    return {
        "id": c.pk,
        "ticket_id": c.ticket_id,
        "number": ticket.number,
        "site_id": c.site_id,
        "received_at": c.received_at,
        "validity": c.validity,
        "scope": c.scope,
        "severity": c.severity,
        "initial_severity": c.initial_severity,
        "upgraded_at": c.upgraded_at,
        "upgrade_reason": c.upgrade_reason,
        "stage": c.stage,
        "stage_label": str(c.get_stage_display()),
        "version": c.version,
        "ticket_state": ticket.state,
        "department_id": c.department_id,
        "department": c.department.name if c.department else "",
        "complained_person": c.complained_person,
        "description": ticket.description,
        "demand": c.demand,
        "reporter_name": ticket.reporter_name,
        "reporter_phone": masking.phone_for(ticket.reporter_phone, may_see=c.site_id in may_see),
        "reasonable_deadline": c.reasonable_deadline,
        "form_signed_at": c.form_signed_at,
        "reported_at": c.reported_at,
        "answered_at": c.answered_at,
        "handled_at": c.handled_at,
        "form_returned_at": c.form_returned_at,
        "told_at": c.told_at,
        "next_due_at": ticket.next_due_at,
    }


def _may_see(user: Any) -> set[int]:
    return set(roles.site_ids_with(user, roles.PERSONAL_DATA))


def _detail(user: Any, complaint_id: int) -> dict[str, Any]:
    c = selectors.get_complaint_for_user(user, complaint_id)
    body = _out(c, _may_see(user))
    body.update(
        {
            "apology": c.apology,
            "handling": c.handling,
            "actions": [a.name for a in workflow.allowed_actions(c, user)],
            "clocks": [
                {
                    "kind": k.kind,
                    "rule": k.rule,
                    "name": k.policy.name,
                    "status": k.status,
                    "due_at": k.due_at,
                    "met_at": k.met_at,
                }
                for k in selectors.complaint_clocks(c)
            ],
            "related": [r.ticket.number for r in c.related.select_related("ticket")],
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


def _extension_out(e: ExtensionRequest) -> dict[str, Any]:
    return {
        "id": e.pk,
        "complaint_id": e.complaint_id,
        "until": e.until,
        "reason": e.reason,
        "approver_role": e.approver_role,
        "state": e.state,
        "decided_at": e.decided_at,
        "decision_note": e.decision_note,
    }


def _capa_out(capa: CorrectiveAction) -> dict[str, Any]:
    return {
        "id": capa.pk,
        "complaint_id": capa.complaint_id,
        "reason": capa.reason,
        "state": capa.state,
        "owner_id": capa.owner_id,
        "due_date": capa.due_date,
        "cause": capa.cause,
        "correction": capa.correction,
        "prevention": capa.prevention,
        "verification": capa.verification,
        "closed_at": capa.closed_at,
    }


@router.get("/", response=ComplaintPage, summary="Complaints of my sites, newest first")
def list_complaints(request: HttpRequest, filters: Query[ListFilters]) -> dict[str, Any]:
    user = _user(request)
    if not roles.is_staff_member(user):
        raise NotFound()
    qs = selectors.complaint_list(
        user,
        selectors.ComplaintFilters(
            site_id=filters.site_id,
            severity=filters.severity,
            validity=filters.validity,
            stage=filters.stage,
            todo=filters.todo,
            q=filters.q,
        ),
    )
    limit = max(1, min(filters.limit, MAX_LIMIT))
    offset = max(0, filters.offset)
    may_see = _may_see(user)
    return {
        "count": qs.count(),
        "limit": limit,
        "offset": offset,
        "items": [_out(c, may_see) for c in qs[offset : offset + limit]],
    }


@router.post(
    "/",
    response={201: ComplaintDetailOut, 400: Error, 403: Error, 404: Error, 409: Error},
    summary="Receive a complaint (CP-1, CP-2, CP-4); Idempotency-Key makes retries safe",
)
def create_complaint(request: HttpRequest, data: ComplaintIn) -> Status:
    user = _user(request)
    key = (request.headers.get("Idempotency-Key") or "").strip()[:120]
    if key:
        record = IdempotencyRecord.objects.filter(
            user=user, scope=IDEMPOTENCY_SCOPE, key=key
        ).first()
        if record is not None:
            return Status(record.status_code, record.response)
    site = Site.objects.filter(pk=data.site_id).first()
    if site is None or not roles.has_role(user, site.pk, roles.ALL_STAFF):
        raise NotFound()
    detail = services.ComplaintDetail(
        validity=data.validity,
        severity=data.severity,
        scope=data.scope,
        demand=data.demand,
        apology=data.apology,
        invalid_reason=data.invalid_reason,
        non_property_kind=data.non_property_kind,
        external_party_id=data.external_party_id,
        referred_to=data.referred_to,
        department_id=data.department_id,
        complained_person=data.complained_person,
        reasonable_deadline=data.reasonable_deadline,
        contact_note=data.contact_note,
    )
    try:
        with transaction.atomic():
            complaint = services.complaint_create(
                site=site,
                actor=user,
                ticket_fields={
                    "channel": data.channel,
                    "description": data.description,
                    "reporter_name": data.reporter_name,
                    "reporter_phone": data.reporter_phone,
                    "unit": _site_object(Unit, data.unit_id, site),
                    "place": _site_object(PublicPlace, data.place_id, site),
                    "location_text": data.location_text,
                    "occurred_at": data.occurred_at,
                    "resident": _site_object(Resident, data.resident_id, site),
                    "received_at": data.received_at,
                },
                detail=detail,
            )
            body = ComplaintDetailOut(**_detail(user, complaint.pk)).model_dump(mode="json")
            if key:
                # unique (user, scope, key): a racing retry rolls back and replays this answer
                IdempotencyRecord.objects.create(
                    user=user,
                    scope=IDEMPOTENCY_SCOPE,
                    key=key,
                    status_code=201,
                    response=body,
                    created_at=clock.now(),
                )
    except IntegrityError:
        record = IdempotencyRecord.objects.filter(
            user=user, scope=IDEMPOTENCY_SCOPE, key=key
        ).first()
        if not key or record is None:
            raise
        return Status(record.status_code, record.response)
    return Status(201, body)


@router.get(
    "/{complaint_id}", response={200: ComplaintDetailOut, 404: Error}, summary="One complaint"
)
def get_complaint(request: HttpRequest, complaint_id: int) -> dict[str, Any]:
    return _detail(_user(request), complaint_id)


STEP_RESPONSES = {200: ComplaintDetailOut, 400: Error, 403: Error, 404: Error, 409: Error}


@router.post("/{complaint_id}/sign", response=STEP_RESPONSES, summary="Sign for the form (CP-6)")
def sign(request: HttpRequest, complaint_id: int) -> dict[str, Any]:
    services.complaint_sign(complaint_id=complaint_id, actor=_user(request))
    return _detail(_user(request), complaint_id)


@router.post(
    "/{complaint_id}/report", response=STEP_RESPONSES, summary="Report up to the leaders (CP-5)"
)
def report(request: HttpRequest, complaint_id: int, data: ReportIn) -> dict[str, Any]:
    services.complaint_report(
        complaint_id=complaint_id,
        actor=_user(request),
        reported_to_id=data.reported_to_id,
        via=data.via,
    )
    return _detail(_user(request), complaint_id)


@router.post(
    "/{complaint_id}/answer", response=STEP_RESPONSES, summary="Clear answer, major (CP-7)"
)
def answer(request: HttpRequest, complaint_id: int, data: TextIn) -> dict[str, Any]:
    services.complaint_answer(complaint_id=complaint_id, actor=_user(request), answer=data.text)
    return _detail(_user(request), complaint_id)


@router.post(
    "/{complaint_id}/extensions",
    response={201: ExtensionOut, 400: Error, 403: Error, 404: Error, 409: Error},
    summary="Request an extension of the handling limit (CP-7)",
)
def request_extension(request: HttpRequest, complaint_id: int, data: ExtensionIn) -> Status:
    extension = services.extension_request(
        complaint_id=complaint_id, actor=_user(request), reason=data.reason, until=data.until
    )
    return Status(201, _extension_out(extension))


@router.post(
    "/extensions/{extension_id}/decide",
    response={200: ExtensionOut, 400: Error, 403: Error, 404: Error, 409: Error},
    summary="Approve or reject an extension (CP-7: supervisor for minor, manager for important)",
)
def decide_extension(request: HttpRequest, extension_id: int, data: DecisionIn) -> dict[str, Any]:
    extension = services.extension_decide(
        extension_id=extension_id, actor=_user(request), approve=data.approve, note=data.note
    )
    return _extension_out(extension)


@router.post(
    "/{complaint_id}/handling", response=STEP_RESPONSES, summary="Record the handling (CP-8)"
)
def handling(request: HttpRequest, complaint_id: int, data: HandlingIn) -> dict[str, Any]:
    services.complaint_handle(
        complaint_id=complaint_id,
        actor=_user(request),
        handling=data.handling,
        caused_by_substandard_work=data.caused_by_substandard_work,
    )
    return _detail(_user(request), complaint_id)


@router.post(
    "/{complaint_id}/form-return", response=STEP_RESPONSES, summary="Log the returned form (CP-8)"
)
def form_return(request: HttpRequest, complaint_id: int, data: TextIn) -> dict[str, Any]:
    services.complaint_form_return(complaint_id=complaint_id, actor=_user(request), note=data.text)
    return _detail(_user(request), complaint_id)


@router.post("/{complaint_id}/tell", response=STEP_RESPONSES, summary="Tell the complainant (CP-8)")
def tell(request: HttpRequest, complaint_id: int, data: TellIn) -> dict[str, Any]:
    services.complaint_tell(
        complaint_id=complaint_id, actor=_user(request), via=data.via, note=data.note
    )
    return _detail(_user(request), complaint_id)


@router.post(
    "/{complaint_id}/return-visit",
    response=STEP_RESPONSES,
    summary="Record the return visit (CP-9)",
)
def return_visit(request: HttpRequest, complaint_id: int, data: VisitIn) -> dict[str, Any]:
    services.return_visit_record(
        complaint_id=complaint_id,
        actor=_user(request),
        via=data.via,
        result=data.result,
        satisfaction=data.satisfaction,
    )
    return _detail(_user(request), complaint_id)


@router.post("/{complaint_id}/close", response=STEP_RESPONSES, summary="Close the complaint")
def close(request: HttpRequest, complaint_id: int, data: TextIn) -> dict[str, Any]:
    services.complaint_close(complaint_id=complaint_id, actor=_user(request), note=data.text)
    return _detail(_user(request), complaint_id)


CAPA_RESPONSES = {200: CapaOut, 400: Error, 403: Error, 404: Error, 409: Error}


@router.post(
    "/{complaint_id}/capa",
    response={201: CapaOut, 400: Error, 403: Error, 404: Error, 409: Error},
    summary="File the corrective and preventive action report (CP-10, DS-8)",
)
def capa_file(request: HttpRequest, complaint_id: int, data: CapaIn) -> Status:
    capa = services.capa_file(
        complaint_id=complaint_id,
        actor=_user(request),
        nonconformity=data.nonconformity,
        cause=data.cause,
        correction=data.correction,
        prevention=data.prevention,
        owner_id=data.owner_id,
        due_date=data.due_date,
    )
    return Status(201, _capa_out(capa))


@router.post(
    "/capa/{capa_id}/implement", response=CAPA_RESPONSES, summary="Report the actions taken"
)
def capa_implement(request: HttpRequest, capa_id: int, data: TextIn) -> dict[str, Any]:
    return _capa_out(services.capa_implement(capa_id=capa_id, actor=_user(request), note=data.text))


@router.post(
    "/capa/{capa_id}/verify",
    response=CAPA_RESPONSES,
    summary="Verify and close, or return (quality department only, CP-10)",
)
def capa_verify(request: HttpRequest, capa_id: int, data: VerifyIn) -> dict[str, Any]:
    capa = services.capa_verify(
        capa_id=capa_id, actor=_user(request), verification=data.verification, accept=data.accept
    )
    return _capa_out(capa)
