"""The duty app's own contribution to handovers and duty records (see ``handover_items``).

Open items: duty log entries needing follow-up that are not closed yet, in their latest version.
An open emergency entry is blocking (EM-4: the dispatcher stays until the event is settled or
someone takes over). Activity: roster changes approved in the period (a completed handover is
already an entry of the log itself).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils.translation import gettext as _

from estatedesk.duty import selectors
from estatedesk.duty.enums import ChangeState, LogEntryKind
from estatedesk.duty.handover_items import HandoverItem, ShiftActivity
from estatedesk.duty.models import DutyChange

if TYPE_CHECKING:
    from estatedesk.core.calendar import DutyShift
    from estatedesk.org.models import Site


def open_items(*, site: Site, shift: DutyShift) -> list[HandoverItem]:
    items = []
    for entry in selectors.open_log_items(site):
        emergency = entry.kind == LogEntryKind.EMERGENCY
        items.append(
            HandoverItem(
                source="duty",
                ref=f"log:{entry.seq}",
                title=f"#{entry.seq} {entry.get_kind_display()}：{entry.text[:120]}",
                url=reverse("duty:entry", args=[entry.pk]),
                important=entry.important or emergency,
                blocking=emergency,
            )
        )
    return items


def shift_activity(*, site: Site, start: dt.datetime, end: dt.datetime) -> list[ShiftActivity]:
    found = []
    for change in DutyChange.objects.filter(
        site=site, state=ChangeState.APPROVED, decided_at__gte=start, decided_at__lt=end
    ).select_related("assignment", "original_user", "substitute", "decided_by"):
        assert change.decided_at is not None
        found.append(
            ShiftActivity(
                source="duty",
                ref=f"change:{change.pk}",
                title=_("%(day)s 值班由 %(old)s 改为 %(new)s（%(kind)s）")
                % {
                    "day": f"{change.assignment.day:%m-%d}",
                    "old": selectors.person_name(change.original_user),
                    "new": selectors.person_name(change.substitute),
                    "kind": change.get_kind_display(),
                },
                at=change.decided_at,
                actor=selectors.person_name(change.decided_by),
            )
        )
    return found
