"""Home cards: open emergencies for the desk and leaders, pages waiting for my acknowledgement,
emergencies waiting for the site manager's sign-off (EM-2, EM-4, EM-5).

``urgent`` marks the cards the home page should put first, as a red banner (a page waiting for
me, an emergency in progress); see docs/emergencies.md "Open points"."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from estatedesk.emergencies import selectors
from estatedesk.org import roles
from estatedesk.org.enums import Role


def cards(request: HttpRequest) -> list[dict[str, Any]]:
    user = request.user
    result: list[dict[str, Any]] = []
    waiting = selectors.waiting_pages_for(user).count()
    if waiting:
        result.append(
            {
                "title": _("紧急呼叫待您确认"),
                "text": _("您被逐级呼叫，请立即打开确认收到（EM-2）。"),
                "value": waiting,
                "url": reverse("emergencies:list"),
                "icon": "bell-fill",
                "action": _("去确认"),
                "urgent": True,
            }
        )
    watch_sites = roles.site_ids_with(user, roles.CS_DESK | roles.MANAGERS)
    if watch_sites:
        count = selectors.unsigned_count(watch_sites)
        may_open = bool(roles.site_ids_with(user, roles.CS_DESK))
        if count or not may_open:
            text, url, action = (
                _("未平息或待经理签字的紧急事件。"),
                reverse("emergencies:list"),
                _("查看"),
            )
        else:
            text, url, action = (
                _("没有进行中的紧急事件。接到紧急报事时从这里启动。"),
                reverse("emergencies:new"),
                _("启动紧急事件"),
            )
        result.append(
            {
                "title": _("进行中的紧急事件"),
                "text": text,
                "value": count,
                "url": url,
                "icon": "exclamation-octagon",
                "action": action,
                "urgent": bool(count),
            }
        )
    manager_sites = roles.site_ids_with(user, frozenset({Role.SITE_MANAGER}))
    if manager_sites:
        to_sign = selectors.awaiting_sign_off(manager_sites).count()
        if to_sign:
            result.append(
                {
                    "title": _("紧急事件待签字结案"),
                    "text": _("事件已平息，领导指示全部销项后请签字结案（EM-5）。"),
                    "value": to_sign,
                    "url": reverse("emergencies:list"),
                    "icon": "pen",
                    "action": _("去签字"),
                }
            )
    return result
