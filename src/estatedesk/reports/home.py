"""Home cards for site managers (and executives): this week's figures of their sites."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from estatedesk.core import clock
from estatedesk.org import roles
from estatedesk.reports import figures, periods
from estatedesk.reports.enums import PeriodKind
from estatedesk.sla.models import ClockException


def cards(request: HttpRequest) -> list[dict[str, Any]]:
    site_ids = roles.site_ids_with(request.user, roles.MANAGERS)
    if not site_ids:
        return []
    week = periods.make(PeriodKind.WEEK, clock.today())
    summary = figures.summary(figures.Context(site_ids, week))
    query = urlencode({"site": site_ids[0] if len(site_ids) == 1 else "all", **week.query()})
    unfilled = ClockException.objects.filter(site_id__in=site_ids, filled_at__isnull=True).count()
    timeliness = summary["timeliness"]
    return [
        {
            "title": _("本周受理"),
            "text": _("处理及时率 %(rate)s，未结 %(open)d 张，平均评价 %(avg)s。")
            % {
                "rate": f"{timeliness}%" if timeliness is not None else "—",
                "open": summary["backlog"],
                "avg": summary["average_rating"] if summary["average_rating"] is not None else "—",
            },
            "value": summary["received"],
            "url": f"{reverse('reports:dashboard')}?{query}",
            "icon": "bar-chart",
            "action": _("打开统计概览"),
        },
        {
            "title": _("待填写的异常"),
            "text": _("超时的时限须由客服中心主管填写原因和纠正措施（RP-4）。"),
            "value": unfilled,
            "url": f"{reverse('reports:exceptions')}?{urlencode({'unfilled': '1', 'period': 'year'})}",
            "icon": "exclamation-octagon",
            "action": _("打开异常报告"),
        },
    ]
