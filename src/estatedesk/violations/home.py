"""The home card: open violation cases and overdue rectifications (VI-4)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from estatedesk.core import clock
from estatedesk.org import roles
from estatedesk.violations.selectors import home_counts


def cards(request: HttpRequest) -> list[dict[str, Any]]:
    if not roles.site_ids_with(request.user, roles.ALL_STAFF):
        return []
    counts = home_counts(request.user, clock.now())
    base = reverse("violations:case_list")
    if counts["overdue"]:
        text = _("其中 %(n)d 宗整改已逾期，请复查。") % {"n": counts["overdue"]}
        url = f"{base}?overdue=on"
    else:
        text = _("没有逾期未复查的整改。")
        url = base
    return [
        {
            "title": _("未办结违章"),
            "text": text,
            "value": counts["open"],
            "url": url,
            "icon": "exclamation-octagon",
            "action": _("查看违章"),
        }
    ]
