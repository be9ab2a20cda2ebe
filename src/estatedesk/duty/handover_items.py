"""What other apps contribute to a shift's handover and its duty record.

Any estatedesk app may have a module ``handover.py`` defining either or both of::

    def open_items(*, site: Site, shift: DutyShift) -> list[HandoverItem]: ...
    def shift_activity(*, site: Site, start: datetime, end: datetime) -> list[ShiftActivity]: ...

``open_items`` lists the unfinished work the outgoing officer hands over (DT-9, DT-10): every
item becomes the incoming officer's automatically; ``important`` items must be ticked as taken
over, and a ``blocking`` item (e.g. an emergency not yet settled, EM-4 "the dispatcher stays")
refuses the handover unless the CS supervisor overrides it with a reason. ``shift`` is the
incoming shift (``estatedesk.core.calendar.DutyShift``: ``start``/``end`` aware datetimes).

``shift_activity`` lists what was handled between ``start`` and ``end`` (tickets received or
closed ...): it is shown beside the duty log and printed on the duty record (《值班记录》).

Both are discovered with ``estatedesk.core.discovery.app_modules("handover")``. A failing
``open_items`` provider is logged and replaced by one blocking item naming it: an error must not
hide an unsettled emergency, so the supervisor decides (override) instead of the code.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from estatedesk.core.discovery import app_modules

if TYPE_CHECKING:
    from estatedesk.core.calendar import DutyShift
    from estatedesk.org.models import Site

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class HandoverItem:
    """One unfinished item of the shift.

    ``source`` is the contributing app label (``tickets``), ``ref`` its stable id within that
    source (ticket number), ``title`` a one-line description, ``url`` where to open it.
    """

    source: str
    ref: str
    title: str
    url: str = ""
    important: bool = False
    blocking: bool = False


@dataclass(frozen=True)
class ShiftActivity:
    """One thing handled during a shift, for the duty record."""

    source: str
    ref: str
    title: str
    at: dt.datetime
    url: str = ""
    actor: str = ""


def collect_open_items(*, site: Site, shift: DutyShift) -> list[HandoverItem]:
    """Every app's open items: blocking first, then important, each group in provider order."""
    items: list[HandoverItem] = []
    for label, module in app_modules("handover"):
        provider = getattr(module, "open_items", None)
        if provider is None:
            continue
        try:
            items.extend(provider(site=site, shift=shift))
        except Exception:
            log.exception("handover provider %s.open_items failed", label)
            items.append(
                HandoverItem(
                    source=label,
                    ref="provider-error",
                    title=str(_("无法读取“%(app)s”的未完成事项，请人工核对。") % {"app": label}),
                    important=True,
                    blocking=True,
                )
            )
    return sorted(items, key=lambda item: (not item.blocking, not item.important))


def collect_shift_activity(
    *, site: Site, start: dt.datetime, end: dt.datetime
) -> list[ShiftActivity]:
    """Every app's activity in [start, end), oldest first."""
    found: list[ShiftActivity] = []
    for label, module in app_modules("handover"):
        provider = getattr(module, "shift_activity", None)
        if provider is None:
            continue
        try:
            found.extend(provider(site=site, start=start, end=end))
        except Exception:
            log.exception("handover provider %s.shift_activity failed; skipped", label)
    return sorted(found, key=lambda activity: activity.at)
