"""Template filters of the reports pages."""

from __future__ import annotations

from typing import Any

from django import template

from estatedesk.reports.kpis import person_name

register = template.Library()


@register.filter
def staff_name(user: Any) -> str:
    """A staff member's full name, else the username; empty when nobody is set."""
    return person_name(user) if user is not None else ""
