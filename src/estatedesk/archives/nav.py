from django.utils.translation import gettext_lazy as _

from estatedesk.archives import rules as access
from estatedesk.web.navigation import NavItem

ITEMS = [
    NavItem(
        _("业户档案"), "archives:index", access.ARCHIVE_READERS, icon="folder2-open", order=500
    ),
    NavItem(
        _("联系业主"), "archives:contacts", access.CONTACT_REQUESTERS, icon="telephone", order=510
    ),
    NavItem(
        _("入伙办理"),
        "archives:move_ins",
        access.MOVE_IN_DESK,
        icon="box-arrow-in-right",
        order=520,
    ),
    NavItem(_("钥匙登记"), "archives:keys", access.KEY_VIEWERS, icon="key", order=530),
    NavItem(
        _("档案查阅记录"), "archives:access_log", access.ACCESS_LOG_READERS, icon="eye", order=540
    ),
]
