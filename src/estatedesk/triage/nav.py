from django.utils.translation import gettext_lazy as _

from estatedesk.org import roles
from estatedesk.web.navigation import NavItem

ITEMS = [
    NavItem(_("智能分诊"), "triage:index", roles.SUPERVISORS, icon="magic", order=800),
]
