from django.utils.translation import gettext_lazy as _

from estatedesk.org import roles
from estatedesk.web.navigation import NavItem

ITEMS = [
    NavItem(_("工作台"), "web:home", roles.ALL_STAFF, icon="house", order=0),
    NavItem(_("房屋住户导入"), "web:import_units", roles.SUPERVISORS, icon="upload", order=900),
    NavItem(_("API 令牌"), "web:api_tokens", roles.ALL_STAFF, icon="key", order=950),
]
