"""Template helpers of the tickets and portal pages."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def person(user: Any) -> str:
    """A user's full name, else the username; empty for no user (deleted or not set)."""
    if user is None:
        return ""
    return (user.get_full_name() or "").strip() or user.get_username()
