"""What the archives app hands over between duty shifts (DT-9/DT-10 with AR-5): keys lent and
not yet returned, and the key movements of a shift for the duty record."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils.translation import gettext as _

from estatedesk.archives import selectors
from estatedesk.core import clock
from estatedesk.duty.handover_items import HandoverItem, ShiftActivity

if TYPE_CHECKING:
    from estatedesk.core.calendar import DutyShift
    from estatedesk.org.models import Site


def _person(user: object) -> str:
    if user is None:
        return ""
    full = user.get_full_name() if hasattr(user, "get_full_name") else ""
    return full or user.get_username()  # type: ignore[attr-defined]


def open_items(*, site: Site, shift: DutyShift) -> list[HandoverItem]:
    """Every key still out: the incoming officer must chase it; an overdue one (due before the
    incoming shift starts) is important."""
    items = []
    for loan in selectors.loans_out(site_id=site.pk):
        overdue = loan.due_at <= shift.start
        title = _("钥匙 %(tag)s（%(unit)s）借给 %(who)s：%(purpose)s，应还 %(due)s") % {
            "tag": loan.key.tag,
            "unit": loan.key.unit.label,
            "who": loan.borrower_name,
            "purpose": loan.purpose,
            "due": clock.localtime(loan.due_at).strftime("%m-%d %H:%M"),
        }
        if overdue:
            title = _("【逾期】") + title
        items.append(
            HandoverItem(
                source="archives",
                ref=f"key-loan:{loan.pk}",
                title=title,
                url=reverse("archives:key_return", args=[loan.key_id]),
                important=overdue,
            )
        )
    return items


def shift_activity(*, site: Site, start: dt.datetime, end: dt.datetime) -> list[ShiftActivity]:
    """Keys lent and returned during [start, end)."""
    found = []
    for loan in selectors.loans_moved_between(site_id=site.pk, start=start, end=end):
        label = {"tag": loan.key.tag, "unit": loan.key.unit.label, "who": loan.borrower_name}
        if start <= loan.lent_at < end:
            found.append(
                ShiftActivity(
                    source="archives",
                    ref=f"key-lent:{loan.pk}",
                    title=_("借出钥匙 %(tag)s（%(unit)s）给 %(who)s") % label,
                    at=loan.lent_at,
                    actor=_person(loan.lent_by),
                )
            )
        if loan.returned_at is not None and start <= loan.returned_at < end:
            found.append(
                ShiftActivity(
                    source="archives",
                    ref=f"key-returned:{loan.pk}",
                    title=_("收回钥匙 %(tag)s（%(unit)s），借用人 %(who)s") % label,
                    at=loan.returned_at,
                    actor=_person(loan.received_by),
                )
            )
    return sorted(found, key=lambda activity: activity.at)
