"""Reads for violation pages, the API, the home card and the jobs; every object fetch is scoped
to the user's sites and a miss is 404 (ids cannot be probed)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet

from estatedesk.core import clock
from estatedesk.core.errors import NotFound
from estatedesk.org import roles
from estatedesk.org.models import Resident, Site, Unit
from estatedesk.violations.enums import CHARGE_MEASURES, OPEN_STATES, DocumentKind, TaskKind
from estatedesk.violations.models import (
    CaseTask,
    Evidence,
    FinanceExport,
    Measure,
    ViolationCase,
    ViolationDocument,
    ViolationSettings,
)


def settings_for_site(site_id: int) -> ViolationSettings:
    """The site's settings row, or the unsaved defaults when the site never changed them."""
    found = ViolationSettings.objects.filter(site_id=site_id).first()
    return found if found is not None else ViolationSettings(site_id=site_id)


@dataclass(frozen=True)
class CaseFilters:
    state: str = ""
    grade: str = ""
    kind: str = ""
    site_id: int | None = None
    q: str = ""
    open_only: bool = False
    overdue_at: dt.datetime | None = None


def cases_for_user(user: Any, filters: CaseFilters | None = None) -> QuerySet[ViolationCase]:
    """Cases of the user's sites, newest first, with what the list shows in one query."""
    filters = filters or CaseFilters()
    qs = ViolationCase.objects.filter(site_id__in=roles.site_ids_with(user, roles.ALL_STAFF))
    if filters.site_id:
        qs = qs.filter(site_id=filters.site_id)
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.open_only:
        qs = qs.filter(state__in=OPEN_STATES)
    if filters.grade:
        qs = qs.filter(grade=filters.grade)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.overdue_at is not None:
        qs = qs.filter(
            pk__in=CaseTask.objects.filter(
                kind=TaskKind.REINSPECT, done_at__isnull=True, due_at__lte=filters.overdue_at
            ).values("case_id")
        )
    if filters.q:
        term = filters.q.strip()
        qs = qs.filter(
            Q(number__icontains=term)
            | Q(unit__number__icontains=term)
            | Q(resident__name__icontains=term)
            | Q(location__icontains=term)
        )
    return (
        qs.select_related("site", "unit__building", "resident", "assigned_to")
        .annotate(measure_count=Count("measures", distinct=True))
        .order_by("-registered_at", "-id")
    )


def get_case_for_user(user: Any, pk: int) -> ViolationCase:
    case = (
        ViolationCase.objects.select_related(
            "site", "unit__building", "resident", "assigned_to", "registered_by"
        )
        .filter(pk=pk, site_id__in=roles.site_ids_with(user, roles.ALL_STAFF))
        .first()
    )
    if case is None:
        raise NotFound()
    return case


def measures_of(case: ViolationCase) -> list[Measure]:
    return list(
        case.measures.select_related("recorded_by", "signed_by", "document").order_by("seq")
    )


def documents_of(case: ViolationCase) -> list[ViolationDocument]:
    return list(case.documents.select_related("issued_by").order_by("issued_at", "id"))


def evidence_of(case: ViolationCase) -> list[Evidence]:
    return list(case.evidence.select_related("uploaded_by").order_by("uploaded_at", "id"))


def tasks_of(case: ViolationCase) -> list[CaseTask]:
    return list(case.tasks.select_related("assignee", "done_by", "measure").order_by("due_at"))


def get_measure_for_user(user: Any, pk: int) -> Measure:
    measure = (
        Measure.objects.select_related("case__site", "document")
        .filter(pk=pk, site_id__in=roles.site_ids_with(user, roles.ALL_STAFF))
        .first()
    )
    if measure is None:
        raise NotFound()
    return measure


def get_task_for_user(user: Any, pk: int) -> CaseTask:
    task = (
        CaseTask.objects.select_related("case__site", "measure")
        .filter(pk=pk, site_id__in=roles.site_ids_with(user, roles.ALL_STAFF))
        .first()
    )
    if task is None:
        raise NotFound()
    return task


def get_document_for_user(user: Any, pk: int) -> ViolationDocument:
    document = (
        ViolationDocument.objects.select_related(
            "site", "issued_by", "case__unit__building", "case__resident"
        )
        .filter(pk=pk, site_id__in=roles.site_ids_with(user, roles.ALL_STAFF))
        .first()
    )
    if document is None:
        raise NotFound()
    return document


def get_evidence_for_user(user: Any, pk: int) -> Evidence:
    item = Evidence.objects.filter(
        pk=pk, site_id__in=roles.site_ids_with(user, roles.ALL_STAFF)
    ).first()
    if item is None:
        raise NotFound()
    return item


def cutoff_notices_of(case: ViolationCase) -> QuerySet[ViolationDocument]:
    return case.documents.filter(kind=DocumentKind.CUTOFF_NOTICE).order_by("-issued_at")


def documents_for_user(
    user: Any, *, site_id: int | None = None, kind: str = "", month: dt.date | None = None
) -> QuerySet[ViolationDocument]:
    """The 《协调单登记表》: every issued form of the user's sites, newest first."""
    qs = ViolationDocument.objects.filter(site_id__in=roles.site_ids_with(user, roles.ALL_STAFF))
    if site_id:
        qs = qs.filter(site_id=site_id)
    if kind:
        qs = qs.filter(kind=kind)
    if month is not None:
        start, end = month_bounds(month)
        qs = qs.filter(issued_at__gte=start, issued_at__lt=end)
    return qs.select_related(
        "site", "issued_by", "case__unit__building", "case__resident"
    ).order_by("-issued_at", "-id")


def register_cases_for_user(
    user: Any, *, site_id: int | None = None, month: dt.date | None = None
) -> QuerySet[ViolationCase]:
    """The 《住户违章事件记录表》: registered cases of the month, oldest first like the paper book."""
    qs = cases_for_user(user, CaseFilters(site_id=site_id))
    if month is not None:
        start, end = month_bounds(month)
        qs = qs.filter(registered_at__gte=start, registered_at__lt=end)
    return qs.order_by("registered_at", "id")


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[first instant, first instant of the next month) in the site's zone."""
    zone = clock.local_zone()
    start = dt.datetime(month.year, month.month, 1, tzinfo=zone)
    if month.month == 12:
        end = dt.datetime(month.year + 1, 1, 1, tzinfo=zone)
    else:
        end = dt.datetime(month.year, month.month + 1, 1, tzinfo=zone)
    return start, end


def charges_for_month(*, site: Site, month: dt.date) -> QuerySet[Measure]:
    """VI-10: the charges to residents signed (taken effect) in ``month``, oldest first."""
    start, end = month_bounds(month)
    return (
        Measure.objects.filter(
            site=site,
            kind__in=CHARGE_MEASURES,
            amount__isnull=False,
            signed_at__gte=start,
            signed_at__lt=end,
        )
        .select_related("case__unit__building", "case__resident", "signed_by")
        .order_by("signed_at", "id")
    )


def charges_total(charges: QuerySet[Measure] | list[Measure]) -> Decimal:
    return sum((m.amount or Decimal("0") for m in charges), Decimal("0"))


def exports_for_site_ids(site_ids: list[int]) -> QuerySet[FinanceExport]:
    return FinanceExport.objects.filter(site_id__in=site_ids).select_related("site", "created_by")


def get_export_for_user(user: Any, pk: int, role_set: frozenset[str]) -> FinanceExport:
    export = (
        FinanceExport.objects.select_related("site")
        .filter(pk=pk, site_id__in=roles.site_ids_with(user, role_set))
        .first()
    )
    if export is None:
        raise NotFound()
    return export


def due_reinspections(now: dt.datetime) -> QuerySet[CaseTask]:
    """Open re-inspection tasks past their deadline, not yet flagged (uses the partial index)."""
    return (
        CaseTask.objects.filter(
            done_at__isnull=True,
            due_at__lte=now,
            kind=TaskKind.REINSPECT,
            overdue_notified_at__isnull=True,
        )
        .select_related("case__site", "case__unit__building", "assignee")
        .order_by("due_at", "id")
    )


def home_counts(user: Any, now: dt.datetime) -> dict[str, int]:
    site_ids = roles.site_ids_with(user, roles.ALL_STAFF)
    open_cases = ViolationCase.objects.filter(site_id__in=site_ids, state__in=OPEN_STATES).count()
    overdue = CaseTask.objects.filter(
        site_id__in=site_ids, kind=TaskKind.REINSPECT, done_at__isnull=True, due_at__lte=now
    ).count()
    return {"open": open_cases, "overdue": overdue}


def units_for_sites(site_ids: list[int]) -> QuerySet[Unit]:
    return (
        Unit.objects.filter(site_id__in=site_ids)
        .select_related("building", "site")
        .order_by("site__code", "building__sort_order", "building__name", "floor", "number")
    )


def residents_of_unit(unit_id: int | None, site_ids: list[int]) -> QuerySet[Resident]:
    if not unit_id:
        return Resident.objects.none()
    return Resident.objects.filter(site_id__in=site_ids, occupancies__unit_id=unit_id).order_by(
        "name"
    )
