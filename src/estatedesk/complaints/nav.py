from django.utils.translation import gettext_lazy as _

from estatedesk.complaints import selectors
from estatedesk.org import roles
from estatedesk.web.navigation import NavItem

ITEMS = [
    NavItem(_("投诉"), "complaints:list", roles.ALL_STAFF, icon="megaphone", order=25),
    NavItem(
        _("投诉周报"), "complaints:weekly_list", selectors.REVIEW_ROLES, icon="bar-chart", order=70
    ),
    NavItem(
        _("投诉月总结"),
        "complaints:monthly_list",
        selectors.SUMMARY_ROLES,
        icon="calendar-check",
        order=71,
    ),
    NavItem(
        _("纠正与预防措施"),
        "complaints:capa_list",
        selectors.CAPA_ROLES,
        icon="clipboard-check",
        order=72,
    ),
]
