from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ArchivesConfig(AppConfig):
    name = "estatedesk.archives"
    label = "archives"
    verbose_name = _("业户档案与钥匙")
