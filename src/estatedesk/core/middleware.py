"""Turn a lost database into a clear 503 instead of a stack trace; the next request reconnects."""

from __future__ import annotations

from collections.abc import Callable

from django.db import InterfaceError, OperationalError, close_old_connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        close_old_connections()
        detail = _("数据库暂时不可用，请稍后重试。")
        if request.path.startswith("/api/"):
            response: HttpResponse = JsonResponse(
                {"code": "service_unavailable", "detail": detail}, status=503
            )
        else:
            # Rendered without the request: the context processors would query the database.
            page = render_to_string("web/unavailable.html", {"detail": detail})
            response = HttpResponse(page, status=503)
        response["Retry-After"] = "5"
        return response
