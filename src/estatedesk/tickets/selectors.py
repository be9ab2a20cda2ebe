"""Reads of tickets used by pages, the API, the portal and other apps.

Every fetch is scoped: staff see the tickets of the sites where they hold a role; a resident
sees the tickets they reported and those of the units they occupy. A miss is 404 (NotFound),
never 403, so ticket ids cannot be probed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet

from estatedesk.core import clock, events
from estatedesk.core.errors import NotFound
from estatedesk.core.models import Event
from estatedesk.org import roles
from estatedesk.org.models import Membership, PublicPlace, Resident, Site, Unit
from estatedesk.tickets.enums import ACTIVE_STATES, TicketKind, TicketState
from estatedesk.tickets.models import (
    Attachment,
    Callback,
    CallLog,
    PaidService,
    Referral,
    Ticket,
)
from estatedesk.triage.similarity import DEFAULT_THRESHOLD, find_similar

LIST_RELATED = ("site", "unit__building", "place", "department", "assignee")


def resident_of(user: Any) -> Resident | None:
    """The org.Resident signed in as ``user`` (portal), or None."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    resident: Resident | None = getattr(user, "resident", None)
    return resident


def visible_tickets(user: Any) -> QuerySet[Ticket]:
    """The tickets ``user`` may see: staff by site, a resident their own and their units'."""
    site_ids = roles.site_ids_with(user)
    if site_ids:
        return Ticket.objects.filter(site_id__in=site_ids)
    resident = resident_of(user)
    if resident is not None:
        unit_ids = list(resident.occupancies.values_list("unit_id", flat=True))
        return Ticket.objects.filter(Q(resident=resident) | Q(unit_id__in=unit_ids))
    return Ticket.objects.none()


def get_ticket_for_user(user: Any, pk: int) -> Ticket:
    ticket = (
        visible_tickets(user)
        .select_related(*LIST_RELATED, "resident", "receiver", "parent")
        .filter(pk=pk)
        .first()
    )
    if ticket is None:
        raise NotFound()
    return ticket


def may_view(user: Any, ticket: Ticket) -> bool:
    return visible_tickets(user).filter(pk=ticket.pk).exists()


@dataclass(frozen=True)
class TicketFilters:
    site_id: int | None = None
    kind: str = ""
    state: str = ""
    department_id: int | None = None
    overdue: bool = False
    mine: bool = False
    q: str = ""
    received_from: dt.date | None = None
    received_to: dt.date | None = None


def ticket_list(user: Any, filters: TicketFilters) -> QuerySet[Ticket]:
    """The filtered list, newest first, with everything a row shows joined (no N+1)."""
    qs = visible_tickets(user).select_related(*LIST_RELATED)
    if filters.site_id:
        qs = qs.filter(site_id=filters.site_id)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.state == "active":
        qs = qs.filter(state__in=ACTIVE_STATES)
    elif filters.state:
        qs = qs.filter(state=filters.state)
    if filters.department_id:
        qs = qs.filter(department_id=filters.department_id)
    if filters.overdue:
        # uses the partial index ticket_board (site, next_due_at) of open tickets
        qs = qs.filter(state__in=ACTIVE_STATES, next_due_at__lt=clock.now())
    if filters.mine:
        qs = qs.filter(assignee_id=user.pk)
    if filters.q:
        text = filters.q.strip()
        qs = qs.filter(
            Q(number__icontains=text)
            | Q(reporter_phone__contains=text)
            | Q(reporter_name__icontains=text)
            | Q(description__icontains=text)
        )
    zone = clock.local_zone()
    if filters.received_from:
        start = dt.datetime.combine(filters.received_from, dt.time.min, tzinfo=zone)
        qs = qs.filter(received_at__gte=start)
    if filters.received_to:
        end = dt.datetime.combine(filters.received_to + dt.timedelta(days=1), dt.time.min, zone)
        qs = qs.filter(received_at__lt=end)
    return qs.order_by("-received_at", "-id")


def timeline(ticket: Ticket) -> QuerySet[Event]:
    return events.for_subject(ticket).select_related("actor")


def attachments_of(ticket: Ticket, *, for_resident: bool) -> list[Attachment]:
    rows = list(ticket.attachments.all())
    return [a for a in rows if a.is_public] if for_resident else rows


def get_attachment_for_user(user: Any, pk: int) -> Attachment:
    """An attachment of a ticket the user may see; a resident never gets internal files."""
    attachment = Attachment.objects.select_related("ticket").filter(pk=pk).first()
    if attachment is None or not may_view(user, attachment.ticket):
        raise NotFound()
    if not roles.is_staff_member(user) and not attachment.is_public:
        raise NotFound()
    return attachment


@dataclass
class LookupResult:
    residents: list[Resident]
    recent: list[Ticket]


def intake_lookup(*, user: Any, phone: str) -> LookupResult:
    """Hotline intake: residents whose phone starts with the typed digits, with their units,
    and the recent tickets from that phone (or of those residents)."""
    site_ids = roles.site_ids_with(user, roles.CS_DESK)
    digits = "".join(ch for ch in phone if ch.isdigit())
    if len(digits) < 4 or not site_ids:
        return LookupResult([], [])
    residents = list(
        Resident.objects.filter(site_id__in=site_ids, phone__startswith=digits)
        .prefetch_related("occupancies__unit__building")
        .order_by("name")[:10]
    )
    recent_q = Q(reporter_phone__startswith=digits)
    if residents:
        recent_q |= Q(resident__in=residents)
    recent = list(
        Ticket.objects.filter(recent_q, site_id__in=site_ids)
        .select_related(*LIST_RELATED)
        .order_by("-received_at")[:8]
    )
    return LookupResult(residents, recent)


def assignable_staff(site: Site) -> QuerySet[Membership]:
    """People a ticket can be dispatched to: active staff of the site, by department."""
    return (
        Membership.objects.filter(
            site=site, is_active=True, user__is_active=True, role__in=roles.ALL_STAFF
        )
        .exclude(role__in=roles.EXECUTIVES)
        .select_related("user", "department")
        .order_by("department__kind", "role", "user__username")
    )


def assignable_users(site_ids: list[int]) -> QuerySet[Any]:
    """Users a new ticket can be dispatched to from the intake screen."""
    return (
        get_user_model()
        .objects.filter(
            is_active=True,
            memberships__site_id__in=site_ids,
            memberships__is_active=True,
            memberships__role__in=roles.ALL_STAFF - roles.EXECUTIVES,
        )
        .distinct()
        .order_by("username")
    )


def users_with_roles(site_id: int, role_set: frozenset[str]) -> list[Any]:
    rows = (
        Membership.objects.filter(
            site_id=site_id, role__in=role_set, is_active=True, user__is_active=True
        )
        .select_related("user")
        .order_by("user_id")
    )
    seen: dict[int, Any] = {}
    for membership in rows:
        seen.setdefault(membership.user_id, membership.user)
    return list(seen.values())


def my_open_count(user: Any) -> int:
    return Ticket.objects.filter(assignee_id=user.pk, state__in=ACTIVE_STATES).count()


def counts_by_state(site_ids: list[int], states: list[str]) -> dict[str, int]:
    result = dict.fromkeys(states, 0)
    rows = (
        Ticket.objects.filter(site_id__in=site_ids, state__in=states)
        .values_list("state")
        .order_by()
    )
    for (state,) in rows:
        result[state] += 1
    return result


def overdue_count(site_ids: list[int]) -> int:
    return Ticket.objects.filter(
        site_id__in=site_ids, state__in=ACTIVE_STATES, next_due_at__lt=clock.now()
    ).count()


def open_callbacks(site_ids: list[int]) -> QuerySet[Callback]:
    return (
        Callback.objects.filter(site_id__in=site_ids, done_at__isnull=True)
        .select_related("ticket", "ticket__unit__building")
        .order_by("due_at", "id")
    )


def unreported_referrals_due(now: dt.datetime) -> QuerySet[Referral]:
    """Referrals past their committed time without a report (index referral_open_due)."""
    return Referral.objects.filter(
        reported_at__isnull=True,
        committed_due_at__lte=now,
        ticket__state__in=[TicketState.REFERRED],
    ).select_related("ticket", "ticket__site", "external_party")


def call_log_entries(
    *, site_ids: list[int], day_from: dt.date, day_to: dt.date
) -> QuerySet[CallLog]:
    zone = clock.local_zone()
    start = dt.datetime.combine(day_from, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(day_to + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return (
        CallLog.objects.filter(site_id__in=site_ids, occurred_at__gte=start, occurred_at__lt=end)
        .select_related("site", "unit__building", "ticket", "received_by", "done_by")
        .order_by("occurred_at", "id")
    )


def charges_for_month(*, site_ids: list[int], year: int, month: int) -> QuerySet[PaidService]:
    """RQ-12: charges recorded in a calendar month (local time), for finance."""
    zone = clock.local_zone()
    start = dt.datetime(year, month, 1, tzinfo=zone)
    end = dt.datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=zone)
    return (
        PaidService.objects.filter(
            ticket__site_id__in=site_ids, charged_at__gte=start, charged_at__lt=end
        )
        .select_related("ticket", "ticket__site", "ticket__unit__building", "price_item")
        .order_by("charged_at", "id")
    )


def register_rows(*, site_ids: list[int], day_from: dt.date, day_to: dt.date) -> QuerySet[Ticket]:
    """RQ-3 register rows for a day or a range, in receipt order."""
    zone = clock.local_zone()
    start = dt.datetime.combine(day_from, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(day_to + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return (
        Ticket.objects.filter(site_id__in=site_ids, received_at__gte=start, received_at__lt=end)
        .select_related(*LIST_RELATED, "receiver")
        .order_by("received_at", "id")
    )


# --- duplicate clusters (one incident, several reports) -------------------------------------

CLUSTER_WINDOW = dt.timedelta(hours=48)
CLUSTER_CANDIDATES = 200  # the newest open reports compared; bounds the cost per keystroke
CLUSTER_OFFERS = 5


def similar_open_tickets(
    *,
    site_id: int,
    text: str,
    unit: Unit | None = None,
    place: PublicPlace | None = None,
    exclude_id: int | None = None,
    now: dt.datetime | None = None,
    window: dt.timedelta = CLUSTER_WINDOW,
    threshold: float = DEFAULT_THRESHOLD,
) -> list[tuple[Ticket, float]]:
    """Open incidents a new report may belong to, most alike first: open tickets of the site
    received within ``window`` whose description reads like ``text`` ("3栋停水" and
    "三号楼没水了", triage.similarity), in the same building or area - a ticket of a unit in
    another building, or at another public place, is not offered; tickets without a location
    are. A matching report that already joined an incident offers that incident's parent."""
    if not (text or "").strip():
        return []
    now = now or clock.now()
    rows = Ticket.objects.filter(
        site_id=site_id, state__in=ACTIVE_STATES, received_at__gte=now - window
    ).exclude(parent__isnull=False, cluster_joined_at__isnull=True)
    if unit is not None:
        rows = rows.exclude(Q(unit__isnull=False) & ~Q(unit__building_id=unit.building_id))
    if place is not None:
        rows = rows.exclude(Q(place__isnull=False) & ~Q(place_id=place.pk))
    if exclude_id is not None:
        rows = rows.exclude(pk=exclude_id).exclude(parent_id=exclude_id)
    candidates = list(
        rows.select_related(*LIST_RELATED, "parent").order_by("-received_at", "-id")[
            :CLUSTER_CANDIDATES
        ]
    )
    by_id = {ticket.pk: ticket for ticket in candidates}
    hits = find_similar(text, [(t.pk, t.description) for t in candidates], threshold=threshold)
    offers: dict[int, tuple[Ticket, float]] = {}
    for key, score in hits:
        ticket = by_id[int(str(key))]
        root = ticket.parent if ticket.in_cluster and ticket.parent is not None else ticket
        if root.pk == exclude_id or not root.is_active:
            continue
        if root.pk not in offers:
            offers[root.pk] = (root, score)
    return list(offers.values())[:CLUSTER_OFFERS]


def cluster_counts(ticket_ids: list[int] | set[int]) -> dict[int, int]:
    """``{parent_id: n}``: how many open reports joined each of ``ticket_ids`` as the parent
    of their incident (parents without any are absent). One query (index
    ``ticket_cluster_children``); the dispatcher board shows the parent row with "+n"."""
    rows = (
        Ticket.objects.filter(
            parent_id__in=list(ticket_ids),
            cluster_joined_at__isnull=False,
            state__in=ACTIVE_STATES,
        )
        .values("parent_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["parent_id"]: row["n"] for row in rows}


def cluster_children(ticket: Ticket) -> QuerySet[Ticket]:
    """The reports that joined ``ticket``'s incident, in receipt order."""
    return (
        Ticket.objects.filter(parent=ticket, cluster_joined_at__isnull=False)
        .select_related(*LIST_RELATED)
        .order_by("received_at", "id")
    )


def triage_suggestion_of(ticket: Ticket) -> Any:
    """The classifier's suggestion recorded for the report this ticket came from, if any."""
    from estatedesk.triage.models import Suggestion

    return Suggestion.objects.filter(ticket=ticket).order_by("-created_at", "-id").first()


def complaint_id_of(ticket: Ticket) -> int | None:
    """The complaint registered for a complaint ticket (its page runs the CP cycle)."""
    if ticket.kind != TicketKind.COMPLAINT:
        return None
    from estatedesk.complaints.models import Complaint

    return Complaint.objects.filter(ticket_id=ticket.pk).values_list("pk", flat=True).first()
