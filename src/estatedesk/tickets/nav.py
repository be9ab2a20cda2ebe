from django.utils.translation import gettext_lazy as _

from estatedesk.org import roles
from estatedesk.org.enums import Role
from estatedesk.web.navigation import NavItem

ITEMS = [
    NavItem(_("新建工单"), "tickets:new", roles.CS_DESK, icon="plus-circle", order=10),
    NavItem(_("工单"), "tickets:list", roles.ALL_STAFF, icon="card-checklist", order=20),
    NavItem(_("来电来访记录"), "tickets:calls", roles.CS_DESK, icon="telephone", order=30),
    NavItem(
        _("报事报修登记表"),
        "tickets:register",
        roles.CS_DESK | roles.MANAGERS | {Role.QUALITY},
        icon="journal-text",
        order=40,
    ),
    NavItem(
        _("回访任务"), "tickets:callbacks", roles.SUPERVISORS, icon="telephone-outbound", order=45
    ),
    NavItem(_("住户意见箱"), "tickets:suggestions", roles.CS_DESK, icon="mailbox", order=50),
    NavItem(
        _("有偿服务收费"),
        "tickets:charges",
        roles.SUPERVISORS | {Role.FINANCE},
        icon="currency-yen",
        order=60,
    ),
]
