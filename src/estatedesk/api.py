"""The REST API at /api/v1/: every app's ``api.router`` mounted under its own prefix.

Authentication is the browser session (with CSRF) or a per-user bearer token. Errors are JSON
``{"code": ..., "detail": ...}``, translated from DeskError in one place.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer, SessionAuth

from estatedesk.core.discovery import app_modules
from estatedesk.core.errors import DeskError


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        from estatedesk.org.services import api_token_authenticate

        user = api_token_authenticate(token)
        if user is not None:
            request.user = user
        return user


class SessionUserAuth(SessionAuth):
    """Session auth (CSRF checked by ninja for unsafe methods)."""


api = NinjaAPI(
    title="estatedesk API",
    version="1",
    urls_namespace="api",
    auth=[TokenAuth(), SessionUserAuth()],
    docs_url="/docs",
)


@api.exception_handler(DeskError)
def _desk_error(request: HttpRequest, exc: DeskError) -> HttpResponse:
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(NinjaValidationError)
def _validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    return api.create_response(
        request,
        {"code": "invalid", "detail": _("输入有误。"), "errors": exc.errors},
        status=422,
    )


@api.exception_handler(AuthenticationError)
def _auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request, {"code": "unauthenticated", "detail": _("请先登录或提供有效的令牌。")}, status=401
    )


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return api.create_response(
        request, {"code": f"http_{exc.status_code}", "detail": str(exc)}, status=exc.status_code
    )


@api.exception_handler(OverflowError)
def _number_out_of_range(request: HttpRequest, exc: OverflowError) -> HttpResponse:
    """An id or number past what the database stores (SQLite: 64-bit) is bad input, not a 500."""
    return api.create_response(
        request, {"code": "invalid", "detail": _("数值超出允许范围。")}, status=422
    )


def _mount_routers() -> None:
    for label, module in app_modules("api"):
        router = getattr(module, "router", None)
        if router is not None:
            api.add_router(f"/{label}/", router)


_mount_routers()
