"""Reads of the archives app, scoped to the user's sites (a miss is 404, never 403)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from estatedesk.archives import rules as access
from estatedesk.archives.enums import ContactState, GrantState, KeyState, MoveInState
from estatedesk.archives.models import (
    AccessGrant,
    ArchiveAccessLog,
    ArchiveDocument,
    ContactRequest,
    DocumentVersion,
    Key,
    KeyLoan,
    MoveIn,
    MoveInItem,
    Signature,
)
from estatedesk.core import clock
from estatedesk.core.errors import NotFound, PermissionDenied
from estatedesk.org import roles
from estatedesk.org.enums import Relation
from estatedesk.org.models import Occupancy, Resident, Unit


class GrantRequired(PermissionDenied):
    """AR-3: a leader outside the CS center needs an open, accompanied session."""

    code = "grant_required"
    default_detail = _("查阅业户档案须先申请，并由客服中心人员陪同开启查阅时段（AR-3）。")


class ArchiveRefused(PermissionDenied):
    code = "archive_refused"
    default_detail = _("业户档案仅限客服中心人员或经陪同授权的班长及以上人员查阅（AR-3）。")


@dataclass(frozen=True)
class ArchiveAccess:
    """How a user reaches a unit's archive: as CS desk (``grant`` None) or through a grant."""

    unit: Unit
    grant: AccessGrant | None

    @property
    def by_desk(self) -> bool:
        return self.grant is None


def get_unit_for_user(user: Any, unit_id: int, role_set: frozenset[str]) -> Unit:
    unit = (
        Unit.objects.select_related("building", "site")
        .filter(pk=unit_id, site_id__in=roles.site_ids_with(user, role_set))
        .first()
    )
    if unit is None:
        raise NotFound()
    return unit


def active_grant(user: Any, unit: Unit, now: dt.datetime | None = None) -> AccessGrant | None:
    """The user's open session for ``unit`` at ``now`` (AR-3), if any."""
    now = now or clock.now()
    return (
        AccessGrant.objects.select_related("companion")
        .filter(
            requester=user,
            unit=unit,
            state=GrantState.OPEN,
            opened_at__lte=now,
            expires_at__gt=now,
        )
        .order_by("-expires_at")
        .first()
    )


def archive_access_for_user(user: Any, unit_id: int) -> ArchiveAccess:
    """AR-3 in one place: CS desk staff of the unit's site read its archive; team leaders and
    above outside the CS center only during an open accompanied session; everyone else at the
    site is refused; other sites get 404."""
    unit = get_unit_for_user(user, unit_id, roles.ALL_STAFF)
    held = roles.roles_at(user, unit.site_id)
    if held & access.ARCHIVE_DESK:
        return ArchiveAccess(unit=unit, grant=None)
    if held & access.GRANT_REQUESTERS:
        grant = active_grant(user, unit)
        if grant is None:
            raise GrantRequired()
        return ArchiveAccess(unit=unit, grant=grant)
    raise ArchiveRefused()


def documents_of_unit(unit: Unit) -> QuerySet[ArchiveDocument]:
    """The unit's documents with every version (history kept, AR-1); two queries."""
    return (
        ArchiveDocument.objects.filter(unit=unit)
        .prefetch_related(
            Prefetch(
                "versions",
                queryset=DocumentVersion.objects.select_related("uploaded_by").order_by("-number"),
            )
        )
        .order_by("source", "kind", "title")
    )


def get_document_for_user(user: Any, document_id: int) -> tuple[ArchiveDocument, ArchiveAccess]:
    document = (
        ArchiveDocument.objects.filter(
            pk=document_id, site_id__in=roles.site_ids_with(user, roles.ALL_STAFF)
        )
        .only("pk", "unit_id")
        .first()
    )
    if document is None:
        raise NotFound()
    archive = archive_access_for_user(user, document.unit_id)
    return ArchiveDocument.objects.select_related("unit__building").get(pk=document.pk), archive


def get_version(document: ArchiveDocument, number: int) -> DocumentVersion:
    version = document.versions.filter(number=number).first()
    if version is None:
        raise NotFound()
    return version


def archive_units(user: Any, *, query: str = "") -> QuerySet[Unit]:
    """Units of the desk's sites with how many documents each has, filtered by a typed label."""
    units = Unit.objects.filter(site_id__in=roles.site_ids_with(user, access.ARCHIVE_DESK))
    text = query.strip()
    if text:
        building, _sep, number = text.rpartition("-")
        if building:
            units = units.filter(building__name__icontains=building, number__icontains=number)
        else:
            units = units.filter(Q(number__icontains=text) | Q(building__name__icontains=text))
    return (
        units.select_related("building", "site")
        .annotate(document_count=Count("archive_documents"))
        .order_by("site__code", "building__sort_order", "building__name", "floor", "number")
    )


def grant_queue(user: Any) -> QuerySet[AccessGrant]:
    """Requests waiting for the desk and sessions running, at the desk's sites."""
    return (
        AccessGrant.objects.filter(
            site_id__in=roles.site_ids_with(user, access.ARCHIVE_DESK),
            state__in=[GrantState.REQUESTED, GrantState.OPEN],
        )
        .select_related("unit__building", "requester", "companion")
        .order_by("state", "-requested_at")
    )


def grants_of_requester(user: Any) -> QuerySet[AccessGrant]:
    return (
        AccessGrant.objects.filter(requester=user)
        .select_related("unit__building", "requester", "companion", "decided_by")
        .order_by("-requested_at")
    )


def get_grant_for_user(user: Any, grant_id: int) -> AccessGrant:
    grant = (
        AccessGrant.objects.select_related("unit__building", "requester", "companion")
        .filter(pk=grant_id)
        .filter(Q(requester=user) | Q(site_id__in=roles.site_ids_with(user, access.ARCHIVE_DESK)))
        .first()
    )
    if grant is None:
        raise NotFound()
    return grant


def access_logs(user: Any, *, unit_query: str = "") -> QuerySet[ArchiveAccessLog]:
    """AR-3 access log for managers of the site."""
    logs = ArchiveAccessLog.objects.filter(
        site_id__in=roles.site_ids_with(user, access.ACCESS_LOG_READERS)
    )
    if unit_query.strip():
        logs = logs.filter(unit__number__icontains=unit_query.strip())
    return logs.select_related(
        "unit__building", "document", "document_version", "viewer", "grant__companion"
    ).order_by("-viewed_at", "-id")


def contact_queue(user: Any, *, state: str = ContactState.OPEN) -> QuerySet[ContactRequest]:
    """Front desk queue at the handler's sites (AR-3)."""
    return (
        ContactRequest.objects.filter(
            site_id__in=roles.site_ids_with(user, access.CONTACT_HANDLERS), state=state
        )
        .select_related("unit__building", "resident", "requester", "handled_by")
        .order_by("created_at" if state == ContactState.OPEN else "-called_at")
    )


def contact_requests_of(user: Any) -> QuerySet[ContactRequest]:
    return (
        ContactRequest.objects.filter(requester=user)
        .select_related("unit__building", "resident", "handled_by")
        .order_by("-created_at")
    )


def get_contact_request_for_handler(user: Any, request_id: int) -> ContactRequest:
    found = (
        ContactRequest.objects.select_related("unit__building", "resident", "requester")
        .filter(pk=request_id, site_id__in=roles.site_ids_with(user, access.CONTACT_HANDLERS))
        .first()
    )
    if found is None:
        raise NotFound()
    return found


def residents_of_unit(unit: Unit) -> QuerySet[Resident]:
    return Resident.objects.filter(occupancies__unit=unit).order_by("name")


def occupancy_of(unit: Unit, resident: Resident) -> Occupancy | None:
    return Occupancy.objects.filter(unit=unit, resident=resident).first()


def move_ins(user: Any, *, state: str = "") -> QuerySet[MoveIn]:
    found = MoveIn.objects.filter(site_id__in=roles.site_ids_with(user, access.MOVE_IN_DESK))
    if state in MoveInState.values:
        found = found.filter(state=state)
    return found.select_related("unit__building", "resident", "started_by").order_by("-started_at")


def get_move_in_for_user(user: Any, move_in_id: int) -> MoveIn:
    found = (
        MoveIn.objects.select_related("unit__building", "resident", "site")
        .prefetch_related(
            Prefetch(
                "items",
                queryset=MoveInItem.objects.select_related("signature", "issued_by").order_by(
                    "issued_at", "id"
                ),
            )
        )
        .filter(pk=move_in_id, site_id__in=roles.site_ids_with(user, access.MOVE_IN_DESK))
        .first()
    )
    if found is None:
        raise NotFound()
    return found


def _open_loans() -> Prefetch:
    return Prefetch(
        "loans",
        queryset=KeyLoan.objects.filter(returned_at__isnull=True).select_related("lent_by"),
        to_attr="open_loans",
    )


def key_register(
    user: Any, *, state: str = "", overdue_only: bool = False, unit_id: int | None = None
) -> QuerySet[Key]:
    """AR-5 key register at the user's sites, each key with its open loan (two queries)."""
    keys = Key.objects.filter(site_id__in=roles.site_ids_with(user, access.KEY_VIEWERS))
    if state in KeyState.values:
        keys = keys.filter(state=state)
    if unit_id is not None:
        keys = keys.filter(unit_id=unit_id)
    if overdue_only:
        keys = keys.filter(loans__returned_at__isnull=True, loans__due_at__lte=clock.now())
    return (
        keys.select_related("unit__building", "handover__resident")
        .prefetch_related(_open_loans())
        .order_by("tag")
    )


def get_key_for_user(user: Any, key_id: int, role_set: frozenset[str]) -> Key:
    key = (
        Key.objects.select_related("unit__building", "site")
        .prefetch_related(_open_loans())
        .filter(pk=key_id, site_id__in=roles.site_ids_with(user, role_set))
        .first()
    )
    if key is None:
        raise NotFound()
    return key


def open_loan(key: Key) -> KeyLoan | None:
    loans = getattr(key, "open_loans", None)
    if loans is not None:
        return loans[0] if loans else None
    return key.loans.filter(returned_at__isnull=True).first()


def loan_record(
    user: Any, *, site_id: int, start: dt.datetime, end: dt.datetime
) -> QuerySet[KeyLoan]:
    """Lines of the printable 《钥匙出借记录表》: loans lent in [start, end) at one site."""
    if not roles.has_role(user, site_id, access.KEY_VIEWERS):
        raise NotFound()
    return (
        KeyLoan.objects.filter(site_id=site_id, lent_at__gte=start, lent_at__lt=end)
        .select_related("key__unit__building", "lent_by", "received_by")
        .order_by("lent_at", "id")
    )


def loans_out(*, site_id: int) -> QuerySet[KeyLoan]:
    """Keys lent and not returned at a site, earliest due first (shift handover, AR-5)."""
    return (
        KeyLoan.objects.filter(site_id=site_id, returned_at__isnull=True)
        .select_related("key__unit__building")
        .order_by("due_at", "id")
    )


def loans_moved_between(*, site_id: int, start: dt.datetime, end: dt.datetime) -> QuerySet[KeyLoan]:
    """Loans lent or returned in [start, end) at a site (the duty record's activity)."""
    return (
        KeyLoan.objects.filter(site_id=site_id)
        .filter(
            Q(lent_at__gte=start, lent_at__lt=end) | Q(returned_at__gte=start, returned_at__lt=end)
        )
        .select_related("key__unit__building", "lent_by", "received_by")
        .order_by("lent_at", "id")
    )


def overdue_loans_to_flag(now: dt.datetime) -> QuerySet[KeyLoan]:
    """Open loans past due and not flagged yet (index ``keyloan_overdue_due``)."""
    return (
        KeyLoan.objects.filter(
            returned_at__isnull=True, overdue_flagged_at__isnull=True, due_at__lte=now
        )
        .select_related("key__unit__building", "site", "lent_by", "borrower_user")
        .order_by("due_at", "id")
    )


def get_resident_of_unit(unit: Unit, resident_id: int | None) -> Resident | None:
    if resident_id is None:
        return None
    resident = Resident.objects.filter(pk=resident_id, occupancies__unit=unit).first()
    if resident is None:
        raise NotFound()
    return resident


def desk_staff(site_id: int) -> QuerySet[Any]:
    """Active CS desk users of a site (companions for AR-3 sessions)."""
    return (
        get_user_model()
        .objects.filter(
            is_active=True,
            memberships__site_id=site_id,
            memberships__role__in=access.ARCHIVE_DESK,
            memberships__is_active=True,
        )
        .distinct()
        .order_by("username")
    )


def site_staff(site_id: int) -> QuerySet[Any]:
    """Active staff of a site (key borrowers)."""
    return (
        get_user_model()
        .objects.filter(is_active=True, memberships__site_id=site_id, memberships__is_active=True)
        .distinct()
        .order_by("username")
    )


def owners_of_unit(unit_id: int) -> QuerySet[Resident]:
    return Resident.objects.filter(
        occupancies__unit_id=unit_id, occupancies__relation=Relation.OWNER
    ).order_by("name")


def move_ins_of_unit(unit: Unit) -> QuerySet[MoveIn]:
    return MoveIn.objects.filter(unit=unit).select_related("resident").order_by("-started_at")


def get_signature_for_user(user: Any, signature_id: int) -> Signature:
    signature = Signature.objects.filter(
        pk=signature_id, site_id__in=roles.site_ids_with(user, access.KEY_KEEPERS)
    ).first()
    if signature is None or not signature.image_name:
        raise NotFound()
    return signature


def pending_grant_count(user: Any) -> int:
    return AccessGrant.objects.filter(
        site_id__in=roles.site_ids_with(user, access.ARCHIVE_DESK), state=GrantState.REQUESTED
    ).count()


def open_contact_count(user: Any) -> int:
    return ContactRequest.objects.filter(
        site_id__in=roles.site_ids_with(user, access.CONTACT_HANDLERS), state=ContactState.OPEN
    ).count()


def overdue_key_count(user: Any) -> int:
    return KeyLoan.objects.filter(
        site_id__in=roles.site_ids_with(user, access.KEY_VIEWERS),
        returned_at__isnull=True,
        due_at__lte=clock.now(),
    ).count()


def active_grant_count(user: Any) -> int:
    now = clock.now()
    return AccessGrant.objects.filter(
        requester=user, state=GrantState.OPEN, opened_at__lte=now, expires_at__gt=now
    ).count()
