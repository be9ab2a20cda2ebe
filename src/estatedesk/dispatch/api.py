"""Dispatch API: the board (same order and filters as the page, lean rows), follow-ups."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from estatedesk.core.errors import NotFound, PermissionDenied
from estatedesk.core.paging import clamp_offset
from estatedesk.dispatch import selectors, services
from estatedesk.tickets.models import Ticket

router = Router(tags=["dispatch"])

MAX_LIMIT = 200
BOARD_FIELDS = (
    "id",
    "number",
    "site_id",
    "kind",
    "state",
    "urgency",
    "department_id",
    "assignee_id",
    "description",
    "received_at",
    "next_due_at",
)
DESCRIPTION_CHARS = 80


class BoardItem(Schema):
    id: int
    number: str
    site_id: int
    kind: str
    state: str
    urgency: str
    department_id: int | None
    assignee_id: int | None
    description: str
    received_at: dt.datetime
    next_due_at: dt.datetime | None


class BoardPage(Schema):
    items: list[BoardItem]
    next_offset: int | None


class FollowUpIn(Schema):
    which: str
    arranged: bool = False
    note: str


class FollowUpOut(Schema):
    id: int
    ticket_id: int
    which: str
    arranged: bool
    note: str
    recorded_by_id: int
    recorded_at: dt.datetime
    manager_notified: bool


@router.get(
    "/board",
    response=BoardPage,
    summary="Open tickets of my sites, most urgent deadline first (nulls last)",
)
def board_list(
    request: HttpRequest,
    site: int | None = None,
    department: int | None = None,
    kind: str = "",
    mine: bool = False,
    q: str = "",
    offset: int = 0,
    limit: int = selectors.PAGE_SIZE,
) -> dict[str, Any]:
    if not selectors.board_site_ids(request.user):
        raise PermissionDenied()
    limit = max(1, min(limit, MAX_LIMIT))
    offset = clamp_offset(offset)
    filters = selectors.BoardFilters(
        site_id=site, department_id=department, kind=kind, mine=mine, q=q
    )
    rows = list(
        selectors.board(request.user, filters).values(*BOARD_FIELDS)[offset : offset + limit + 1]
    )
    for row in rows:
        row["description"] = row["description"][:DESCRIPTION_CHARS]
    more = len(rows) > limit
    return {"items": rows[:limit], "next_offset": offset + limit if more else None}


def _board_ticket(request: HttpRequest, ticket_id: int) -> Ticket:
    site_ids = selectors.board_site_ids(request.user)
    ticket = Ticket.objects.filter(pk=ticket_id, site_id__in=site_ids).first()
    if ticket is None:
        raise NotFound()
    return ticket


@router.get(
    "/tickets/{ticket_id}/followups",
    response=list[FollowUpOut],
    summary="Follow-ups of a ticket, oldest first",
)
def followup_list(request: HttpRequest, ticket_id: int) -> Any:
    return list(selectors.followups_of(_board_ticket(request, ticket_id)))


@router.post(
    "/tickets/{ticket_id}/followups",
    response={201: FollowUpOut},
    summary="Record a DS-3/DS-4 follow-up (meets its clock; DS-4 not arranged tells the manager)",
)
def followup_create(request: HttpRequest, ticket_id: int, payload: FollowUpIn) -> Any:
    followup = services.followup_record(
        ticket_id=ticket_id,
        which=payload.which,
        arranged=payload.arranged,
        note=payload.note,
        actor=request.user,
    )
    return Status(201, followup)
