from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ViolationsConfig(AppConfig):
    name = "estatedesk.violations"
    label = "violations"
    verbose_name = _("住户违章")
