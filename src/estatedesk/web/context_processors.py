from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from estatedesk.org import roles
from estatedesk.web.navigation import sections_for


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or request.path.startswith("/r/"):
        return {}
    return {"nav_items": sections_for(user), "is_staff_member": roles.is_staff_member(user)}
