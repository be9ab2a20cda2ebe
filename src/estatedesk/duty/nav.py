from django.utils.translation import gettext_lazy as _

from estatedesk.org import roles
from estatedesk.web.navigation import NavItem

ITEMS = [
    NavItem(_("值班记录"), "duty:log", roles.CS_DESK, icon="journal-text", order=300),
    NavItem(_("交接班"), "duty:handover_home", roles.CS_DESK, icon="arrow-left-right", order=310),
    NavItem(_("值班表"), "duty:roster", roles.ALL_STAFF, icon="calendar3", order=320),
    NavItem(_("请假调班"), "duty:changes", roles.ALL_STAFF, icon="person-dash", order=330),
    NavItem(_("值班联络表"), "duty:oncall", roles.ALL_STAFF, icon="telephone", order=340),
    NavItem(_("值班记录签阅"), "duty:signoff", roles.SUPERVISORS, icon="pen", order=350),
]
