"""The emergencies app's contribution to the duty handover and the duty record
(``estatedesk.duty.handover_items``).

EM-4 "the dispatcher stays": an emergency that is not settled and is held by the outgoing
officer (they opened it and nobody took it over) is a *blocking* item - the handover is refused
until it is settled or someone (the incoming officer, a supervisor) takes it over. Other
unsettled emergencies are important items the incoming officer must tick as taken over; settled
ones still waiting for the manager's sign-off (EM-5) are handed over for information.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from estatedesk.duty.enums import HandoverState
from estatedesk.duty.handover_items import HandoverItem, ShiftActivity
from estatedesk.duty.models import Handover
from estatedesk.emergencies.enums import CaseState
from estatedesk.emergencies.models import EmergencyCase
from estatedesk.emergencies.selectors import person_name

if TYPE_CHECKING:
    from estatedesk.core.calendar import DutyShift
    from estatedesk.org.models import Site


def _outgoing_id(site: Site, shift: DutyShift) -> int | None:
    """The outgoing officer of the handover into ``shift`` (the duty app calls the hook while
    the handover is open and again as it completes, so any state but cancelled counts)."""
    return (
        Handover.objects.filter(site=site, shift_start=shift.start, shift_end=shift.end)
        .exclude(state=HandoverState.CANCELLED)
        .order_by("-started_at", "-pk")
        .values_list("outgoing_id", flat=True)
        .first()
    )


def open_items(*, site: Site, shift: DutyShift) -> list[HandoverItem]:
    """Unsigned emergencies of ``site``, oldest first. Without a handover into ``shift`` (the
    outgoing officer unknown) every unsettled emergency is blocking."""
    outgoing_id = _outgoing_id(site, shift)
    items = []
    cases = (
        EmergencyCase.objects.filter(site=site)
        .unsigned()
        .select_related("ticket", "opened_by", "taken_over_by")
        .order_by("opened_at", "pk")
    )
    for case in cases:
        holder = case.taken_over_by or case.opened_by
        ticket = case.ticket
        if case.state == CaseState.OPEN:
            blocking = outgoing_id is None or case.holder_id == outgoing_id
            title = _("紧急事件 %(number)s %(kind)s 尚未平息（负责人 %(holder)s）") % {
                "number": ticket.number,
                "kind": ticket.get_kind_display(),
                "holder": person_name(holder),
            }
        else:
            blocking = False
            title = _("紧急事件 %(number)s %(kind)s 已平息，待经理签字结案") % {
                "number": ticket.number,
                "kind": ticket.get_kind_display(),
            }
        items.append(
            HandoverItem(
                source="emergencies",
                ref=f"emergency:{case.pk}",
                title=title,
                url=reverse("emergencies:detail", args=[case.pk]),
                important=case.state == CaseState.OPEN,
                blocking=blocking,
            )
        )
    return items


def shift_activity(*, site: Site, start: dt.datetime, end: dt.datetime) -> list[ShiftActivity]:
    """Emergencies opened, settled or signed off in [start, end), for the duty record."""
    found = []
    cases = (
        EmergencyCase.objects.filter(site=site)
        .filter(
            Q(opened_at__gte=start, opened_at__lt=end)
            | Q(settled_at__gte=start, settled_at__lt=end)
            | Q(signed_off_at__gte=start, signed_off_at__lt=end)
        )
        .select_related("ticket", "opened_by", "settled_by", "signed_off_by")
    )
    for case in cases:
        ticket = case.ticket
        url = reverse("emergencies:detail", args=[case.pk])
        moments = [
            (case.opened_at, _("启动紧急事件"), case.opened_by),
            (case.settled_at, _("紧急事件平息"), case.settled_by),
            (case.signed_off_at, _("紧急事件经理签字结案"), case.signed_off_by),
        ]
        for at, what, who in moments:
            if at is not None and start <= at < end:
                found.append(
                    ShiftActivity(
                        source="emergencies",
                        ref=f"emergency:{case.pk}:{what}",
                        title=f"{what} {ticket.number} {ticket.get_kind_display()}",
                        at=at,
                        url=url,
                        actor=person_name(who),
                    )
                )
    return found
