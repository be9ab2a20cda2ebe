"""Emergencies API at /api/v1/emergencies/: the same services and selectors as the pages.

List the open emergencies, read one with its escalation, playbook, responders and instructions,
and act: acknowledge a page, record a step, notify responders and update their status, create
a leader's instruction, take over, settle, report up, sign off. Errors are JSON
``{"code", "detail"}``; objects outside the user's sites are 404."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from estatedesk.core import masking
from estatedesk.core.errors import NotFound, ValidationFailed
from estatedesk.core.paging import OffsetField
from estatedesk.emergencies import selectors, services
from estatedesk.emergencies.enums import AckVia
from estatedesk.emergencies.models import EmergencyCase, Instruction, Page, Responder, StepRecord
from estatedesk.org import roles
from estatedesk.org.models import Membership, PublicPlace, Site

router = Router(tags=["emergencies"])

MAX_LIMIT = 100


class Error(Schema):
    code: str
    detail: str


ERRORS: dict[int, Any] = {400: Error, 403: Error, 404: Error, 409: Error}


class PageOut(Schema):
    id: int
    level: int
    role: str
    label: str
    paged_at: dt.datetime
    due_at: dt.datetime
    outcome: str
    outcome_label: str
    recipients: list[str]
    acknowledged_at: dt.datetime | None
    acknowledged_by: str
    ack_via: str


class StepOut(Schema):
    id: int
    position: int
    branch: str
    text: str
    chooses_branch: bool
    done_at: dt.datetime | None
    done_by: str
    note: str


class ResponderOut(Schema):
    id: int
    user_id: int
    name: str
    duty: str
    status: str
    status_label: str
    notified_at: dt.datetime
    knows_at: dt.datetime | None
    on_way_at: dt.datetime | None
    arrived_at: dt.datetime | None
    reported_at: dt.datetime | None
    report: str


class InstructionOut(Schema):
    id: int
    ticket_id: int
    ticket_number: str
    ticket_state: str
    given_by: str
    text: str
    owner_id: int
    owner: str
    due_at: dt.datetime


class CaseOut(Schema):
    id: int
    ticket_id: int
    number: str
    site_id: int
    kind: str
    kind_label: str
    state: str
    state_label: str
    version: int
    severity: str
    description: str
    location: str
    opened_at: dt.datetime
    opened_by: str
    holder_id: int
    holder: str
    chain_state: str
    acknowledged_at: dt.datetime | None
    acknowledged_by: str
    procedure: str
    branch: str


class CaseDetailOut(CaseOut):
    reporter_name: str
    reporter_phone: str
    settled_at: dt.datetime | None
    settle_note: str
    signed_off_at: dt.datetime | None
    signed_off_by: str
    pages: list[PageOut]
    steps: list[StepOut]
    responders: list[ResponderOut]
    instructions: list[InstructionOut]


class CasePage(Schema):
    count: int
    limit: int
    offset: int
    items: list[CaseOut]


class ListFilters(Schema):
    site_id: int | None = None
    scope: str = "unsigned"
    limit: int = 25
    offset: int = OffsetField()


class OpenIn(Schema):
    site_id: int
    kind: str
    description: str
    reporter_name: str
    reporter_phone: str = ""
    location_text: str = ""
    place_id: int | None = None
    people_involved: str = ""
    severity: str = "serious"
    channel: str = "hotline"


class AckIn(Schema):
    on_behalf_of_id: int | None = None


class StepIn(Schema):
    note: str = ""
    branch: str = ""


class NotifyIn(Schema):
    user_ids: list[int]
    note: str = ""


class StatusIn(Schema):
    status: str
    note: str = ""


class InstructionIn(Schema):
    text: str
    owner_id: int
    due_at: dt.datetime
    given_by_id: int | None = None
    given_by_name: str = ""


class NoteIn(Schema):
    note: str = ""


# --- serialisation ------------------------------------------------------------------------------

_name = selectors.person_name


def _case_out(case: EmergencyCase) -> dict[str, Any]:
    ticket = case.ticket
    holder = case.taken_over_by or case.opened_by
    return {
        "id": case.pk,
        "ticket_id": ticket.pk,
        "number": ticket.number,
        "site_id": case.site_id,
        "kind": ticket.kind,
        "kind_label": str(ticket.get_kind_display()),
        "state": case.state,
        "state_label": str(case.get_state_display()),
        "version": case.version,
        "severity": case.severity,
        "description": ticket.description,
        "location": ticket.location_label,
        "opened_at": case.opened_at,
        "opened_by": _name(case.opened_by),
        "holder_id": holder.pk,
        "holder": _name(holder),
        "chain_state": case.chain_state,
        "acknowledged_at": case.acknowledged_at,
        "acknowledged_by": _name(case.acknowledged_by),
        "procedure": case.procedure,
        "branch": case.branch,
    }


def _page_out(page: Page) -> dict[str, Any]:
    return {
        "id": page.pk,
        "level": page.level,
        "role": page.role,
        "label": page.label,
        "paged_at": page.paged_at,
        "due_at": page.due_at,
        "outcome": page.outcome,
        "outcome_label": str(page.get_outcome_display()),
        "recipients": [_name(r.user) for r in page.recipients.all()],
        "acknowledged_at": page.acknowledged_at,
        "acknowledged_by": _name(page.acknowledged_by),
        "ack_via": page.ack_via,
    }


def _step_out(step: StepRecord) -> dict[str, Any]:
    return {
        "id": step.pk,
        "position": step.position,
        "branch": step.branch,
        "text": step.text,
        "chooses_branch": step.chooses_branch,
        "done_at": step.done_at,
        "done_by": _name(step.done_by),
        "note": step.note,
    }


def _responder_out(r: Responder) -> dict[str, Any]:
    return {
        "id": r.pk,
        "user_id": r.user_id,
        "name": _name(r.user),
        "duty": r.duty,
        "status": r.status,
        "status_label": str(r.get_status_display()),
        "notified_at": r.notified_at,
        "knows_at": r.knows_at,
        "on_way_at": r.on_way_at,
        "arrived_at": r.arrived_at,
        "reported_at": r.reported_at,
        "report": r.report,
    }


def _instruction_out(i: Instruction) -> dict[str, Any]:
    return {
        "id": i.pk,
        "ticket_id": i.ticket_id,
        "ticket_number": i.ticket.number,
        "ticket_state": i.ticket.state,
        "given_by": i.given_by_name,
        "text": i.text,
        "owner_id": i.owner_id,
        "owner": _name(i.owner),
        "due_at": i.due_at,
    }


def _detail(user: Any, case_id: int) -> dict[str, Any]:
    case = selectors.get_case_for_user(user, case_id)
    board = selectors.board(case)
    body = _case_out(case)
    body.update(
        {
            "reporter_name": case.ticket.reporter_name,
            "reporter_phone": masking.phone_for(
                case.ticket.reporter_phone,
                may_see=roles.may_see_personal_data(user, case.site_id),
            ),
            "settled_at": case.settled_at,
            "settle_note": case.settle_note,
            "signed_off_at": case.signed_off_at,
            "signed_off_by": _name(case.signed_off_by),
            "pages": [_page_out(p) for p in board.pages],
            "steps": [_step_out(s) for s in board.steps],
            "responders": [_responder_out(r) for r in board.responders],
            "instructions": [_instruction_out(i) for i in board.instructions],
        }
    )
    return body


def _staff_of(case: EmergencyCase, user_id: int | None) -> Any:
    """A user holding a role at the case's site, or ValidationFailed."""
    if user_id is None:
        return None
    found = Membership.objects.filter(
        site_id=case.site_id, user_id=user_id, is_active=True, user__is_active=True
    ).exists()
    if not found:
        raise ValidationFailed(f"用户 #{user_id} 不是本管理处的在岗员工。")
    return get_user_model().objects.get(pk=user_id)


# --- endpoints ----------------------------------------------------------------------------------


@router.get("/cases", response=CasePage, summary="List emergencies (default: not signed off)")
def list_cases(request: HttpRequest, filters: Query[ListFilters]) -> dict[str, Any]:
    roles.require_staff(request.user)
    limit = max(1, min(filters.limit, MAX_LIMIT))
    offset = max(0, filters.offset)
    scope = filters.scope if filters.scope in {"unsigned", "closed", "all"} else "unsigned"
    queryset = selectors.case_list(request.user, scope=scope, site_id=filters.site_id)
    items = [_case_out(c) for c in queryset[offset : offset + limit]]
    return {"count": queryset.count(), "limit": limit, "offset": offset, "items": items}


@router.post("/cases", response={201: CaseDetailOut, **ERRORS}, summary="Open an emergency")
def open_case(request: HttpRequest, data: OpenIn) -> Status:
    site = Site.objects.filter(pk=data.site_id).first()
    if site is None or not roles.has_role(request.user, site.pk, roles.ALL_STAFF):
        raise NotFound()
    place = None
    if data.place_id is not None:
        place = PublicPlace.objects.filter(pk=data.place_id, site=site).first()
        if place is None:
            raise ValidationFailed("公共区域不属于该管理处。")
    case = services.emergency_open(
        site=site,
        actor=request.user,
        kind=data.kind,
        description=data.description,
        reporter_name=data.reporter_name,
        reporter_phone=data.reporter_phone,
        location_text=data.location_text,
        place=place,
        people_involved=data.people_involved,
        severity=data.severity,
        channel=data.channel,
    )
    return Status(201, _detail(request.user, case.pk))


@router.get("/cases/{int:case_id}", response={200: CaseDetailOut, 404: Error})
def get_case(request: HttpRequest, case_id: int) -> dict[str, Any]:
    return _detail(request.user, case_id)


@router.post(
    "/pages/{int:page_id}/acknowledge",
    response={200: PageOut, **ERRORS},
    summary="Acknowledge a page (stops the escalation chain, EM-2)",
)
def acknowledge_page(request: HttpRequest, page_id: int, data: AckIn) -> dict[str, Any]:
    page = selectors.get_page_for_user(request.user, page_id)
    if data.on_behalf_of_id is not None:
        person = _staff_of(page.case, data.on_behalf_of_id)
        page = services.page_acknowledge(
            page=page, actor=request.user, via=AckVia.PHONE, on_behalf_of=person
        )
    else:
        page = services.page_acknowledge(page=page, actor=request.user, via=AckVia.API)
    fresh = Page.objects.prefetch_related("recipients__user").select_related("acknowledged_by")
    return _page_out(fresh.get(pk=page.pk))


@router.post(
    "/cases/{int:case_id}/steps/{int:step_id}",
    response={200: StepOut, **ERRORS},
    summary="Record a playbook step as done now (EM-6, EM-7)",
)
def record_step(request: HttpRequest, case_id: int, step_id: int, data: StepIn) -> dict[str, Any]:
    case = selectors.get_case_for_user(request.user, case_id)
    record = selectors.get_step_for_user(request.user, case, step_id)
    record = services.step_record(
        case=case, record=record, actor=request.user, note=data.note, branch=data.branch
    )
    return _step_out(record)


@router.post(
    "/cases/{int:case_id}/responders",
    response={201: list[ResponderOut], **ERRORS},
    summary="Notify the people responsible in one action (EM-3)",
)
def notify_responders(request: HttpRequest, case_id: int, data: NotifyIn) -> Status:
    case = selectors.get_case_for_user(request.user, case_id)
    users = [_staff_of(case, pk) for pk in dict.fromkeys(data.user_ids)]
    rows = services.responders_notify(case=case, users=users, actor=request.user, note=data.note)
    return Status(201, [_responder_out(r) for r in rows])


@router.post(
    "/responders/{int:responder_id}/status",
    response={200: ResponderOut, **ERRORS},
    summary="A responder knows / is on the way / is there / reports back (EM-3)",
)
def responder_status(request: HttpRequest, responder_id: int, data: StatusIn) -> dict[str, Any]:
    responder = selectors.get_responder_for_user(request.user, responder_id)
    row = services.responder_update(
        responder=responder, status=data.status, actor=request.user, note=data.note
    )
    return _responder_out(row)


@router.post(
    "/cases/{int:case_id}/instructions",
    response={201: InstructionOut, **ERRORS},
    summary="A leader's instruction becomes its own sub-ticket (EM-5)",
)
def create_instruction(request: HttpRequest, case_id: int, data: InstructionIn) -> Status:
    case = selectors.get_case_for_user(request.user, case_id)
    instruction = services.instruction_create(
        case=case,
        actor=request.user,
        text=data.text,
        owner=_staff_of(case, data.owner_id),
        due_at=data.due_at,
        given_by=_staff_of(case, data.given_by_id),
        given_by_name=data.given_by_name,
    )
    return Status(201, _instruction_out(instruction))


@router.post(
    "/cases/{int:case_id}/take-over",
    response={200: CaseDetailOut, **ERRORS},
    summary="Take the emergency over from the officer holding it (EM-4)",
)
def take_over(request: HttpRequest, case_id: int) -> dict[str, Any]:
    case = selectors.get_case_for_user(request.user, case_id)
    services.emergency_take_over(case=case, actor=request.user)
    return _detail(request.user, case_id)


@router.post(
    "/cases/{int:case_id}/report-up",
    response={200: CaseDetailOut, **ERRORS},
    summary="The CS supervisor starts the chain for an emergency-medical case (EM-6)",
)
def report_up(request: HttpRequest, case_id: int) -> dict[str, Any]:
    case = selectors.get_case_for_user(request.user, case_id)
    services.emergency_report_up(case=case, actor=request.user)
    return _detail(request.user, case_id)


@router.post(
    "/cases/{int:case_id}/settle",
    response={200: CaseDetailOut, **ERRORS},
    summary="The event has settled (EM-4)",
)
def settle(request: HttpRequest, case_id: int, data: NoteIn) -> dict[str, Any]:
    case = selectors.get_case_for_user(request.user, case_id)
    services.emergency_settle(case=case, actor=request.user, note=data.note)
    return _detail(request.user, case_id)


@router.post(
    "/cases/{int:case_id}/sign-off",
    response={200: CaseDetailOut, **ERRORS},
    summary="The site manager signs off and the emergency closes (EM-5)",
)
def sign_off(request: HttpRequest, case_id: int, data: NoteIn) -> dict[str, Any]:
    case = selectors.get_case_for_user(request.user, case_id)
    services.emergency_sign_off(case=case, actor=request.user, note=data.note)
    return _detail(request.user, case_id)
