"""Home cards of the complaints app: what each role should do next about complaints."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from estatedesk.complaints import selectors
from estatedesk.org import roles
from estatedesk.org.enums import Role


def cards(request: HttpRequest) -> list[dict[str, Any]]:
    user = request.user
    result: list[dict[str, Any]] = []
    desk_sites = roles.site_ids_with(user, roles.CS_DESK)
    if desk_sites:
        result.append(
            {
                "title": _("未办结投诉"),
                "text": _("受理、送达、处理、告知、回访，直到销项。"),
                "value": selectors.open_count(desk_sites),
                "url": reverse("complaints:list") + "?stage=open",
                "icon": "megaphone",
                "action": _("查看"),
            }
        )
    if roles.site_ids_with(user, roles.WORKERS):
        result.append(
            {
                "title": _("待签收的投诉意见表"),
                "text": _("投诉意见表须在 15 分钟内签收（CP-6）。"),
                "value": selectors.awaiting_signature(user),
                "url": reverse("complaints:list") + "?todo=sign",
                "icon": "pen",
                "action": _("去签收"),
            }
        )
    pending = selectors.pending_extensions(user).count()
    if pending:
        result.append(
            {
                "title": _("投诉延期待审批"),
                "text": _("轻微投诉由客服主管、重要投诉由管理处经理审批（CP-7）。"),
                "value": pending,
                "url": reverse("complaints:list") + "?todo=extension",
                "icon": "hourglass-split",
                "action": _("去审批"),
            }
        )
    manager_sites = roles.site_ids_with(user, {Role.SITE_MANAGER})
    if manager_sites:
        result.append(
            {
                "title": _("月总结待签字"),
                "text": _("调度员提交的投诉调度记录月总结，请审阅并签署意见（DS-7）。"),
                "value": selectors.summaries_to_sign(manager_sites),
                "url": reverse("complaints:monthly_list"),
                "icon": "pen",
                "action": _("去签字"),
            }
        )
    dispatcher_sites = roles.site_ids_with(user, {Role.DISPATCHER})
    if dispatcher_sites and selectors.summaries_to_write(dispatcher_sites):
        result.append(
            {
                "title": _("月总结待撰写"),
                "text": _("上月投诉调度记录月总结草稿已生成，请撰写总结（DS-7）。"),
                "value": selectors.summaries_to_write(dispatcher_sites),
                "url": reverse("complaints:monthly_list"),
                "icon": "journal-text",
                "action": _("去撰写"),
            }
        )
    quality_sites = roles.site_ids_with(user, {Role.QUALITY})
    if quality_sites:
        result.append(
            {
                "title": _("纠正预防措施待验证"),
                "text": _("责任人已实施，待品质部验证关闭（CP-10）。"),
                "value": selectors.capas_to_verify(quality_sites),
                "url": reverse("complaints:capa_list") + "?state=implemented",
                "icon": "clipboard-check",
                "action": _("去验证"),
            }
        )
    return result
