from django.utils.translation import gettext_lazy as _

from estatedesk.org import roles
from estatedesk.web.navigation import NavItem

ITEMS = [
    NavItem(_("启动紧急事件"), "emergencies:new", roles.CS_DESK, icon="broadcast", order=5),
    NavItem(
        _("紧急事件"), "emergencies:list", roles.ALL_STAFF, icon="exclamation-octagon", order=15
    ),
]
