"""Violations API: list, get, create, record a measure, decide a penalty, upgrade, resolve.

Same services and predicates as the pages; refusals are JSON ``{"code", "detail"}`` (403 for
authority, e.g. ``penalty_not_authorized`` under VI-9; 404 outside the user's sites).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from estatedesk.core.errors import NotFound
from estatedesk.core.paging import OffsetField
from estatedesk.org import roles
from estatedesk.org.models import Resident, Unit
from estatedesk.violations import selectors, services
from estatedesk.violations.models import Measure, ViolationCase

router = Router(tags=["violations"])


class MeasureOut(Schema):
    id: int
    seq: int
    kind: str
    details: str
    amount: Decimal | None
    deadline: dt.datetime | None
    out_of_order_reason: str
    committee_support: str
    document_number: str | None
    recorded_by_id: int
    recorded_at: dt.datetime
    signed_by_id: int | None
    signed_at: dt.datetime | None
    executed_at: dt.datetime | None
    restored_at: dt.datetime | None

    @staticmethod
    def resolve_document_number(obj: Measure) -> str | None:
        return obj.document.number if obj.document else None


class CaseOut(Schema):
    id: int
    number: str
    site_id: int
    unit_id: int
    unit: str
    resident_id: int | None
    resident_name: str
    kind: str
    sub_kind: str
    grade: str
    state: str
    location: str
    occurred_at: dt.datetime
    registered_at: dt.datetime
    assigned_to_id: int | None
    retention_class: str
    retain_until: dt.date
    resolved_at: dt.datetime | None
    resolution: str
    version: int

    @staticmethod
    def resolve_unit(obj: ViolationCase) -> str:
        return obj.unit.label

    @staticmethod
    def resolve_resident_name(obj: ViolationCase) -> str:
        return obj.resident.name if obj.resident else ""


class CaseDetailOut(CaseOut):
    witness: str
    description: str
    onsite_persuasion: str
    causes_loss: bool
    endangers_safety: bool
    measures: list[MeasureOut]

    @staticmethod
    def resolve_measures(obj: ViolationCase) -> list[Measure]:
        return selectors.measures_of(obj)


class CaseListOut(Schema):
    count: int
    items: list[CaseOut]


class CaseFilter(Schema):
    state: str = ""
    grade: str = ""
    kind: str = ""
    site_id: int | None = None
    q: str = ""
    limit: int = Field(20, ge=1, le=100)
    offset: int = OffsetField()


class CaseIn(Schema):
    unit_id: int
    resident_id: int | None = None
    kind: str
    sub_kind: str
    location: str
    occurred_at: dt.datetime
    witness: str
    description: str
    onsite_persuasion: str = ""
    grade: str
    causes_loss: bool = False
    endangers_safety: bool = False


class MeasureIn(Schema):
    kind: str
    details: str
    deadline: dt.datetime | None = None
    out_of_order_reason: str = ""


class DecisionIn(Schema):
    kind: str
    details: str
    amount: Decimal | None = None
    committee_support: str = ""
    notice_id: int | None = None
    out_of_order_reason: str = ""


class UpgradeIn(Schema):
    causes_loss: bool = False
    endangers_safety: bool = False
    reason: str


class ResolveIn(Schema):
    resolution: str


@router.get("/cases", response=CaseListOut, summary="Violation cases of my sites, newest first")
def list_cases(request: HttpRequest, filters: Query[CaseFilter]) -> dict[str, Any]:
    roles.require_staff(request.user)
    qs = selectors.cases_for_user(
        request.user,
        selectors.CaseFilters(
            state=filters.state,
            grade=filters.grade,
            kind=filters.kind,
            site_id=filters.site_id,
            q=filters.q,
        ),
    )
    return {"count": qs.count(), "items": list(qs[filters.offset : filters.offset + filters.limit])}


@router.get("/cases/{pk}", response=CaseDetailOut, summary="One case with its measures")
def get_case(request: HttpRequest, pk: int) -> ViolationCase:
    return selectors.get_case_for_user(request.user, pk)


@router.post("/cases", response={201: CaseDetailOut}, summary="Register a violation (VI-7)")
def create_case(request: HttpRequest, payload: CaseIn) -> tuple[int, ViolationCase]:
    site_ids = roles.site_ids_with(request.user, roles.CS_DESK)
    unit = (
        Unit.objects.select_related("site", "building")
        .filter(pk=payload.unit_id, site_id__in=site_ids)
        .first()
    )
    if unit is None:
        raise NotFound()
    resident = None
    if payload.resident_id is not None:
        resident = Resident.objects.filter(pk=payload.resident_id, site_id=unit.site_id).first()
        if resident is None:
            raise NotFound()
    case = services.case_register(
        unit=unit,
        resident=resident,
        kind=payload.kind,
        sub_kind=payload.sub_kind,
        location=payload.location,
        occurred_at=payload.occurred_at,
        witness=payload.witness,
        description=payload.description,
        onsite_persuasion=payload.onsite_persuasion,
        grade=payload.grade,
        causes_loss=payload.causes_loss,
        endangers_safety=payload.endangers_safety,
        actor=request.user,
    )
    return 201, case


@router.post(
    "/cases/{pk}/measures",
    response={201: CaseDetailOut},
    summary="Record persuasion, rectification or a reminder letter (VI-4, VI-5)",
)
def record_measure(request: HttpRequest, pk: int, payload: MeasureIn) -> tuple[int, ViolationCase]:
    case = selectors.get_case_for_user(request.user, pk)
    services.measure_record(
        case=case,
        kind=payload.kind,
        details=payload.details,
        deadline=payload.deadline,
        out_of_order_reason=payload.out_of_order_reason,
        actor=request.user,
    )
    return 201, case


@router.post(
    "/cases/{pk}/decisions",
    response={201: CaseDetailOut},
    summary="Decide and sign a penalty (VI-9, VI-10; cut-off VI-6)",
)
def decide(request: HttpRequest, pk: int, payload: DecisionIn) -> tuple[int, ViolationCase]:
    case = selectors.get_case_for_user(request.user, pk)
    notice = None
    if payload.notice_id is not None:
        notice = selectors.cutoff_notices_of(case).filter(pk=payload.notice_id).first()
        if notice is None:
            raise NotFound()
    services.penalty_decide(
        case=case,
        kind=payload.kind,
        details=payload.details,
        amount=payload.amount,
        committee_support=payload.committee_support,
        notice=notice,
        out_of_order_reason=payload.out_of_order_reason,
        actor=request.user,
    )
    return 201, case


@router.post("/cases/{pk}/upgrade", response=CaseDetailOut, summary="Upgrade to major (VI-3)")
def upgrade(request: HttpRequest, pk: int, payload: UpgradeIn) -> ViolationCase:
    case = selectors.get_case_for_user(request.user, pk)
    services.case_upgrade(
        case=case,
        causes_loss=payload.causes_loss,
        endangers_safety=payload.endangers_safety,
        reason=payload.reason,
        actor=request.user,
    )
    return case


@router.post("/cases/{pk}/resolve", response=CaseDetailOut, summary="Resolve the case")
def resolve(request: HttpRequest, pk: int, payload: ResolveIn) -> ViolationCase:
    case = selectors.get_case_for_user(request.user, pk)
    services.case_resolve(case=case, resolution=payload.resolution, actor=request.user)
    return case
