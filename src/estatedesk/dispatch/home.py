"""Home cards for dispatchers: how many open tickets are overdue or due soon (DS-3, DS-4)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from estatedesk.core import clock
from estatedesk.dispatch import selectors
from estatedesk.org import roles


def cards(request: HttpRequest) -> list[dict[str, Any]]:
    site_ids = roles.site_ids_with(request.user, roles.DISPATCHERS)
    if not site_ids:
        return []
    counts = selectors.board_counts(site_ids, clock.now())
    url = reverse("dispatch:board")
    return [
        {
            "title": _("已超时"),
            "text": _("未结工单中已过时限的，请立即跟进。"),
            "value": counts["overdue"],
            "url": url,
            "icon": "alarm",
            "action": _("打开调度看板"),
        },
        {
            "title": _("2 小时内到期"),
            "text": _("即将到期的工单，提前跟进。"),
            "value": counts["due_soon"],
            "url": url,
            "icon": "hourglass-split",
            "action": _("打开调度看板"),
        },
    ]
