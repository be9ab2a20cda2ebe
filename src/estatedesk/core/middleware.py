"""Answers the API and pages give when the request never reaches a handler: a lost database
(503; the next request reconnects) and an API path or method no route takes (JSON 404/405)."""

from __future__ import annotations

from collections.abc import Callable

from django.db import InterfaceError, OperationalError, close_old_connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


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


API_FALLBACK_ERRORS = {
    404: ("not_found", gettext_lazy("接口不存在，或地址中的编号无效。")),
    405: ("method_not_allowed", gettext_lazy("该接口不支持此请求方法。")),
    500: ("server_error", gettext_lazy("系统出错，错误已记录，请稍后重试。")),
}


class ApiErrorShapeMiddleware:
    """Every API error is ``{"code", "detail"}``, also when no route takes the request: a path id
    that is not a number never reaches django-ninja (Django's HTML 404), ninja answers an
    undeclared method with plain text, and an unexpected error renders the HTML 500 page. Pages
    keep their HTML error pages."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        fallback = API_FALLBACK_ERRORS.get(response.status_code)
        if (
            fallback is None
            or not request.path.startswith("/api/")
            or response.get("Content-Type", "").startswith("application/json")
        ):
            return response
        code, detail = fallback
        shaped = JsonResponse({"code": code, "detail": str(detail)}, status=response.status_code)
        if response.has_header("Allow"):
            shaped["Allow"] = response["Allow"]
        return shaped


class ApiNullCharacterMiddleware:
    """A NUL character in an API query or JSON body is refused with 422 before any handler:
    PostgreSQL text cannot hold it, so it would otherwise end as a database error (the pages'
    forms refuse it through Django's own validator)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/") and self._has_nul(request):
            detail = _("输入含有不允许的空字符（\\u0000）。")
            return JsonResponse({"code": "invalid", "detail": detail}, status=422)
        return self.get_response(request)

    @staticmethod
    def _has_nul(request: HttpRequest) -> bool:
        if any("\x00" in value for _key, values in request.GET.lists() for value in values):
            return True
        if request.content_type != "application/json":
            return False
        return b"\\u0000" in request.body or b"\x00" in request.body
