from django.utils.translation import gettext_lazy as _

from estatedesk.dispatch.selectors import BOARD_ROLES
from estatedesk.org import roles
from estatedesk.web.navigation import NavItem

ITEMS = [
    NavItem(_("调度看板"), "dispatch:board", BOARD_ROLES, icon="kanban", order=20),
    NavItem(
        _("每周回顾"),
        "dispatch:reviews",
        roles.DISPATCHERS | roles.MANAGERS,
        icon="calendar-week",
        order=25,
    ),
]
