"""Page access: a view runs only for a logged-in user holding one of the roles at some site."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from estatedesk.core.errors import DeskError
from estatedesk.org import roles


def staff_required(role_set: frozenset[str]) -> Callable[[Callable[..., HttpResponse]], Any]:
    """Refuse (403 page) users without one of ``role_set`` at any site; object-level checks
    stay in the view's ``get_<noun>_for_user`` selector. A DeskError raised by the view is
    rendered as a page with its status (404 for objects outside the user's sites)."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not roles.site_ids_with(request.user, role_set):
                return render(request, "web/forbidden.html", status=403)
            try:
                return view(request, *args, **kwargs)
            except DeskError as exc:
                return render(
                    request,
                    "web/error.html",
                    {"detail": exc.detail, "code": exc.code},
                    status=exc.status,
                )

        return wrapper

    return decorator
