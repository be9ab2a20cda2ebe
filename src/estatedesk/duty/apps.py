from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DutyConfig(AppConfig):
    name = "estatedesk.duty"
    label = "duty"
    verbose_name = _("值班与交接班")
