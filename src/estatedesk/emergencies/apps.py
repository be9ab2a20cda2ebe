from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EmergenciesConfig(AppConfig):
    name = "estatedesk.emergencies"
    label = "emergencies"
    verbose_name = _("紧急事件")
