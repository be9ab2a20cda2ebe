from django.utils.translation import gettext_lazy as _

from estatedesk.reports.selectors import REPORT_ROLES
from estatedesk.web.navigation import NavItem

ITEMS = [
    NavItem(_("统计报表"), "reports:dashboard", REPORT_ROLES, icon="bar-chart", order=60),
    NavItem(
        _("异常报告"), "reports:exceptions", REPORT_ROLES, icon="exclamation-octagon", order=61
    ),
    NavItem(_("员工考评"), "reports:kpis", REPORT_ROLES, icon="person-check", order=62),
]
