"""Home-page cards of the archives app: what waits for the desk, keys overdue, my sessions."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from estatedesk.archives import rules as access
from estatedesk.archives import selectors
from estatedesk.org import roles


def cards(request: HttpRequest) -> list[dict[str, Any]]:
    user = request.user
    found: list[dict[str, Any]] = []
    if roles.site_ids_with(user, access.ARCHIVE_DESK):
        found.append(
            {
                "title": _("档案查阅申请"),
                "text": _("班长及以上人员申请陪同查阅业户档案，待客服中心安排（AR-3）。"),
                "value": selectors.pending_grant_count(user),
                "url": reverse("archives:grants"),
                "icon": "person-check",
                "action": _("处理"),
            }
        )
        found.append(
            {
                "title": _("待联系业主"),
                "text": _("同事请前台代为联系业主，致电后记录结果（AR-3）。"),
                "value": selectors.open_contact_count(user),
                "url": reverse("archives:contacts"),
                "icon": "telephone",
                "action": _("去联系"),
            }
        )
    if roles.site_ids_with(user, access.KEY_KEEPERS):
        found.append(
            {
                "title": _("逾期未还的钥匙"),
                "text": _("借出钥匙已过应还时间，请联系借用人收回（AR-5）。"),
                "value": selectors.overdue_key_count(user),
                "url": reverse("archives:keys") + "?overdue=1",
                "icon": "key",
                "action": _("查看"),
            }
        )
    if roles.site_ids_with(user, access.GRANT_REQUESTERS):
        active = selectors.active_grant_count(user)
        if active:
            found.append(
                {
                    "title": _("陪同查阅进行中"),
                    "text": _("查阅时段到期后自动结束；禁止复印、拍照、外传（AR-3）。"),
                    "value": active,
                    "url": reverse("archives:grants"),
                    "icon": "shield-lock",
                    "action": _("查阅"),
                }
            )
    return found
