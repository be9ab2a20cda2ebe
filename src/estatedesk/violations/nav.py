from django.utils.translation import gettext_lazy as _

from estatedesk.org import roles
from estatedesk.org.enums import Role
from estatedesk.violations.rules import FINANCE_ROLES
from estatedesk.web.navigation import NavItem

ITEMS = [
    NavItem(
        _("住户违章"),
        "violations:case_list",
        roles.ALL_STAFF,
        icon="exclamation-octagon",
        order=400,
    ),
    NavItem(_("违章登记表"), "violations:register", roles.CS_DESK, icon="journal-text", order=410),
    NavItem(_("违章收费月结"), "violations:finance", FINANCE_ROLES, icon="cash-coin", order=420),
    NavItem(
        _("违章处理设置"),
        "violations:settings",
        frozenset({Role.SITE_MANAGER}),
        icon="sliders",
        order=930,
    ),
]
