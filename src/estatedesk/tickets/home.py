"""Home cards of the tickets app: what each role should do next."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from estatedesk.org import roles
from estatedesk.tickets import selectors
from estatedesk.tickets.enums import TicketState


def cards(request: HttpRequest) -> list[dict[str, Any]]:
    user = request.user
    result: list[dict[str, Any]] = []
    desk_sites = roles.site_ids_with(user, roles.CS_DESK)
    if desk_sites:
        result.append(
            {
                "title": _("新建工单"),
                "text": _("接听热线或接待来访时登记，一屏完成。"),
                "value": None,
                "url": reverse("tickets:new"),
                "icon": "plus-circle",
                "action": _("新建"),
            }
        )
    mine = selectors.my_open_count(user)
    if mine or roles.site_ids_with(user, roles.WORKERS):
        result.append(
            {
                "title": _("我的待办"),
                "text": _("派给我、尚未完成的工单。"),
                "value": mine,
                "url": reverse("tickets:list") + "?mine=on&state=active",
                "icon": "person-check",
                "action": _("查看"),
            }
        )
    dispatcher_sites = roles.site_ids_with(user, roles.DISPATCHERS)
    if dispatcher_sites:
        counts = selectors.counts_by_state(
            dispatcher_sites, [TicketState.RECEIVED, TicketState.DONE]
        )
        result.append(
            {
                "title": _("待派工"),
                "text": _("已受理、还没有派给部门的工单。"),
                "value": counts[TicketState.RECEIVED],
                "url": reverse("tickets:list") + "?state=received",
                "icon": "send",
                "action": _("去派工"),
            }
        )
        result.append(
            {
                "title": _("待确认销项"),
                "text": _("已报完工，等待签收服务单（DS-5）。"),
                "value": counts[TicketState.DONE],
                "url": reverse("tickets:list") + "?state=done",
                "icon": "patch-check",
                "action": _("去销项"),
            }
        )
    staff_sites = roles.site_ids_with(user)
    if desk_sites or dispatcher_sites:
        result.append(
            {
                "title": _("超时工单"),
                "text": _("未结束且已过最近期限的工单。"),
                "value": selectors.overdue_count(staff_sites),
                "url": reverse("tickets:list") + "?overdue=on",
                "icon": "alarm",
                "action": _("查看"),
            }
        )
    supervisor_sites = roles.site_ids_with(user, roles.SUPERVISORS)
    if supervisor_sites:
        result.append(
            {
                "title": _("回访任务"),
                "text": _("住户评价 1-2 星，需要主管回访（RQ-10）。"),
                "value": selectors.open_callbacks(supervisor_sites).count(),
                "url": reverse("tickets:callbacks"),
                "icon": "telephone-outbound",
                "action": _("去回访"),
            }
        )
    return result
