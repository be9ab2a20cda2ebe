"""Reads of the dispatch app: the board (open tickets by next due time), its counts and
summary, follow-ups and weekly reviews."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Q, QuerySet

from estatedesk.core.errors import NotFound
from estatedesk.dispatch.models import FollowUp, ReviewItem, WeeklyReview
from estatedesk.org import roles
from estatedesk.sla.models import Clock
from estatedesk.tickets.enums import ACTIVE_STATES
from estatedesk.tickets.models import Ticket
from estatedesk.tickets.selectors import cluster_counts

# Who sees the board: the CS desk and the managers above it.
BOARD_ROLES = roles.CS_DESK | roles.MANAGERS
DUE_SOON = dt.timedelta(hours=2)
PAGE_SIZE = 50
ACTIVE = sorted(ACTIVE_STATES)


def board_site_ids(user: Any) -> list[int]:
    return roles.site_ids_with(user, BOARD_ROLES)


@dataclass(frozen=True)
class BoardFilters:
    site_id: int | None = None
    department_id: int | None = None
    kind: str = ""
    mine: bool = False
    q: str = ""


def board(user: Any, filters: BoardFilters) -> QuerySet[Ticket]:
    """Open tickets of the user's sites, the most urgent deadline first (no deadline last).

    Ordered by the indexed column ``next_due_at`` (partial index ticket_board on open
    tickets), which the SLA engine keeps up to date, so no join with clocks is needed.
    """
    site_ids = board_site_ids(user)
    if filters.site_id:
        site_ids = [s for s in site_ids if s == filters.site_id]
    qs = Ticket.objects.filter(site_id__in=site_ids, state__in=ACTIVE)
    # A report that joined an open incident is counted on its parent's row ("+N").
    qs = qs.exclude(cluster_joined_at__isnull=False, parent__state__in=ACTIVE)
    if filters.department_id:
        qs = qs.filter(department_id=filters.department_id)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.mine:
        qs = qs.filter(Q(assignee_id=user.pk) | Q(receiver_id=user.pk))
    if filters.q:
        qs = qs.filter(number__icontains=filters.q.strip())
    return qs.order_by(F("next_due_at").asc(nulls_last=True), "received_at", "pk")


def board_rows(user: Any, filters: BoardFilters) -> QuerySet[Ticket]:
    """The board with what a row shows joined."""
    return board(user, filters).select_related(
        "site", "department", "assignee", "unit__building", "place"
    )


def attach_next_clocks(tickets: list[Ticket]) -> None:
    """Set ``t.next_clock`` (the running, unpaused clock due first) on each ticket: one query;
    and ``t.cluster_count``, the open reports joined to it as an incident: one query."""
    by_ticket: dict[int, Clock] = {}
    rows = (
        Clock.objects.filter(
            ticket_id__in=[t.pk for t in tickets],
            met_at__isnull=True,
            cancelled_at__isnull=True,
            paused_at__isnull=True,
        )
        .only("ticket_id", "rule", "kind", "due_at", "warn_at", "breached_at")
        .order_by("ticket_id", "due_at", "pk")
    )
    for item in rows:
        by_ticket.setdefault(item.ticket_id, item)
    clusters = cluster_counts([t.pk for t in tickets])
    for ticket in tickets:
        ticket.next_clock = by_ticket.get(ticket.pk)  # type: ignore[attr-defined]
        ticket.cluster_count = clusters.get(ticket.pk, 0)  # type: ignore[attr-defined]


def board_counts(site_ids: list[int], now: dt.datetime) -> dict[str, int]:
    """Open tickets past their deadline, and due within the next two hours (one query)."""
    totals = Ticket.objects.filter(site_id__in=site_ids, state__in=ACTIVE).aggregate(
        overdue=Count("pk", filter=Q(next_due_at__lt=now)),
        due_soon=Count("pk", filter=Q(next_due_at__gte=now, next_due_at__lt=now + DUE_SOON)),
    )
    return {"overdue": totals["overdue"] or 0, "due_soon": totals["due_soon"] or 0}


def followups_of(ticket: Ticket) -> QuerySet[FollowUp]:
    return FollowUp.objects.filter(ticket=ticket).select_related("recorded_by")


def reviews_for(user: Any) -> QuerySet[WeeklyReview]:
    site_ids = roles.site_ids_with(user, roles.DISPATCHERS | roles.MANAGERS)
    return (
        WeeklyReview.objects.filter(site_id__in=site_ids)
        .select_related("site", "completed_by")
        .annotate(
            item_count=Count("items"),
            to_confirm=Count(
                "items",
                filter=Q(items__verdict="cannot_handle", items__confirmed_at__isnull=True),
            ),
        )
        .order_by("-week_start", "site__code")
    )


def get_review_for_user(user: Any, pk: int) -> WeeklyReview:
    site_ids = roles.site_ids_with(user, roles.DISPATCHERS | roles.MANAGERS)
    review = (
        WeeklyReview.objects.select_related("site", "opened_by", "completed_by")
        .filter(pk=pk, site_id__in=site_ids)
        .first()
    )
    if review is None:
        raise NotFound()
    return review


def review_items(review: WeeklyReview) -> QuerySet[ReviewItem]:
    return review.items.select_related(
        "ticket", "ticket__department", "ticket__assignee", "reviewed_by", "confirmed_by"
    ).order_by("ticket__received_at", "pk")
