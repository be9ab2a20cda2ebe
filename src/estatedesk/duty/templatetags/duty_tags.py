import datetime as dt
from typing import Any

from django import template
from django.apps import apps
from django.utils.translation import gettext_lazy as _

from estatedesk.duty.selectors import person_name

register = template.Library()

WEEKDAYS = [_("周一"), _("周二"), _("周三"), _("周四"), _("周五"), _("周六"), _("周日")]


@register.filter
def person(user: Any) -> str:
    """A person's name in Chinese order (family name first)."""
    return person_name(user)


@register.filter
def weekday(day: dt.date | None) -> str:
    return str(WEEKDAYS[day.weekday()]) if day else ""


@register.filter
def source_label(label: str) -> str:
    """An open item's source app label as its name (``tickets`` -> 工单)."""
    try:
        return str(apps.get_app_config(label).verbose_name)
    except LookupError:
        return label
