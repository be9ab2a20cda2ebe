from django.utils.translation import gettext_lazy as _

from estatedesk.org import roles
from estatedesk.web.navigation import NavItem

ITEMS = [
    NavItem(_("通知"), "notify:inbox", roles.ALL_STAFF, icon="bell", order=800),
]
