"""Home cards: the duty officer's current shift and open items; the supervisor's unsigned logs."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from estatedesk.core import clock
from estatedesk.duty import selectors
from estatedesk.duty.enums import HandoverState
from estatedesk.duty.models import Handover
from estatedesk.org import roles
from estatedesk.org.models import Site

MAX_SITES = 3


def cards(request: HttpRequest) -> list[dict[str, Any]]:
    user = request.user
    result: list[dict[str, Any]] = []
    log_sites = roles.site_ids_with(user, selectors.LOG_ROLES)[:MAX_SITES]
    supervised = set(roles.site_ids_with(user, selectors.SUPERVISOR_ROLES))
    now = clock.now()
    for site in Site.objects.filter(pk__in=log_sites).order_by("code"):
        shift = selectors.current_shift(site, now)
        people = "、".join(selectors.person_name(u) for u in selectors.on_duty_now(site, now))
        items = selectors.open_items(
            site, shift or selectors.log_day_bounds(site, selectors.log_day_of(site, now))
        )
        if shift:
            text = _("当前班次 %(start)s–%(end)s，值班：%(people)s") % {
                "start": f"{clock.localtime(shift.start):%H:%M}",
                "end": f"{clock.localtime(shift.end):%H:%M}",
                "people": people or _("无人（请联系主管）"),
            }
        else:
            text = _("日间办公时段。")
        text += " " + _("数字为未完成事项数。")
        url = reverse("duty:log") + f"?site={site.pk}"
        action = _("值班记录")
        mine = selectors.assignment_for_incoming(site, user, now)
        if (
            mine is not None
            and not Handover.objects.filter(assignment=mine, state=HandoverState.COMPLETED).exists()
        ):
            url = reverse("duty:handover_home") + f"?site={site.pk}"
            action = _("开始接班")
        result.append(
            {
                "title": _("值班 · %(site)s") % {"site": site.name},
                "text": text,
                "value": len(items),
                "url": url,
                "icon": "journal-text",
                "action": action,
            }
        )
        if site.pk in supervised:
            unsigned = [
                row
                for row in selectors.signoff_rows(site, days=7)
                if row.signoff is None and row.entries
            ]
            if unsigned:
                result.append(
                    {
                        "title": _("待签阅值班记录 · %(site)s") % {"site": site.name},
                        "text": _("每天上班时检查并签名确认值班记录（DT-11）。"),
                        "value": len(unsigned),
                        "url": reverse("duty:signoff") + f"?site={site.pk}",
                        "icon": "pen",
                        "action": _("签阅"),
                    }
                )
    return result
