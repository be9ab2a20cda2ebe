"""Reports API: the dashboard figures as JSON (RP-5, DS-9) and the RP-4 exception list.

Same access as the pages: a report role somewhere, then the chosen site (404 outside the
user's sites). The tables are the ones the page draws, rows in column order."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from estatedesk.core.errors import PermissionDenied
from estatedesk.core.paging import OffsetField
from estatedesk.org import roles
from estatedesk.reports import figures, periods, selectors

router = Router(tags=["reports"])
MAX_LIMIT = 200


class Error(Schema):
    code: str
    detail: str


class PeriodQuery(Schema):
    site: str | None = Field(None, description="a site id, or 'all' for every site you read")
    period: str = Field("month", description="week, month, quarter, year or custom")
    date: dt.date | None = Field(None, description="a day inside the period (not custom)")
    start: dt.date | None = Field(None, alias="from", description="custom: first day")
    end: dt.date | None = Field(None, alias="to", description="custom: last day")


class ExceptionQuery(PeriodQuery):
    unfilled: bool = False
    limit: int = 50
    offset: int = OffsetField()


class PeriodOut(Schema):
    kind: str
    first: dt.date
    last: dt.date
    label: str


class TableOut(Schema):
    key: str
    title: str
    columns: list[str]
    rows: list[list[Any]]
    note: str


class DashboardOut(Schema):
    scope: str
    sites: list[int]
    period: PeriodOut
    summary: dict[str, Any]
    tables: list[TableOut]


class ExceptionOut(Schema):
    clock_id: int
    ticket_id: int
    ticket_number: str
    rule: str
    kind: str
    due_at: dt.datetime
    met_at: dt.datetime | None
    breached_at: dt.datetime | None
    department: str
    exception_id: int | None
    cause: str
    corrective_action: str
    filled_at: dt.datetime | None
    unfilled: bool


class ExceptionPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[ExceptionOut]


def _scope_period(
    request: HttpRequest, query: PeriodQuery
) -> tuple[selectors.Scope, periods.Period]:
    if not roles.site_ids_with(request.user, selectors.REPORT_ROLES):
        raise PermissionDenied()
    scope = selectors.scope_for(request.user, query.site)
    params = {
        "period": query.period,
        "date": query.date.isoformat() if query.date else "",
        "from": query.start.isoformat() if query.start else "",
        "to": query.end.isoformat() if query.end else "",
    }
    return scope, periods.parse(params)


def _period_out(period: periods.Period) -> dict[str, Any]:
    return {"kind": period.kind, "first": period.first, "last": period.last, "label": period.label}


@router.get(
    "/dashboard",
    response={200: DashboardOut, 400: Error, 403: Error, 404: Error},
    summary="Dashboard figures of a site or of all your sites for a period",
)
def dashboard(request: HttpRequest, query: Query[PeriodQuery]) -> dict[str, Any]:
    scope, period = _scope_period(request, query)
    data = figures.dashboard(figures.Context(scope.site_ids, period), company=scope.is_company)
    return {
        "scope": scope.key,
        "sites": scope.site_ids,
        "period": _period_out(period),
        "summary": data["summary"],
        "tables": [t.as_dict() for t in data["tables"]],
    }


@router.get(
    "/exceptions",
    response={200: ExceptionPage, 400: Error, 403: Error, 404: Error},
    summary="RP-4: the missed clocks of a period with cause and corrective action",
)
def exceptions(request: HttpRequest, query: Query[ExceptionQuery]) -> dict[str, Any]:
    scope, period = _scope_period(request, query)
    limit = max(1, min(query.limit, MAX_LIMIT))
    offset = max(0, query.offset)
    rows = selectors.missed_clocks(scope.site_ids, period, unfilled_only=query.unfilled)
    items = []
    for item in rows[offset : offset + limit]:
        exception = getattr(item, "exception", None)
        items.append(
            {
                "clock_id": item.pk,
                "ticket_id": item.ticket_id,
                "ticket_number": item.ticket.number,
                "rule": item.rule,
                "kind": item.kind,
                "due_at": item.due_at,
                "met_at": item.met_at,
                "breached_at": item.breached_at,
                "department": str(item.ticket.department or ""),
                "exception_id": exception.pk if exception else None,
                "cause": exception.cause if exception else "",
                "corrective_action": exception.corrective_action if exception else "",
                "filled_at": exception.filled_at if exception else None,
                "unfilled": exception is None or exception.filled_at is None,
            }
        )
    return {"count": rows.count(), "limit": limit, "offset": offset, "items": items}
