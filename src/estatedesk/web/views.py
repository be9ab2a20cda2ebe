"""Shell pages: login, home per role, unit import, API tokens, language."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from estatedesk.core.discovery import app_modules
from estatedesk.core.errors import DeskError
from estatedesk.org import roles, selectors
from estatedesk.org.models import ApiToken
from estatedesk.org.services import (
    ImportFailed,
    api_token_create,
    api_token_revoke,
    import_template,
    units_import,
)
from estatedesk.web.decorators import staff_required
from estatedesk.web.forms import ApiTokenForm, LoginForm, UnitImportForm


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


@login_required
def home(request: HttpRequest) -> HttpResponse:
    if not roles.is_staff_member(request.user):
        if hasattr(request.user, "resident"):
            return redirect("portal:home")
        return render(request, "web/no_role.html", status=403)
    memberships = (
        request.user.memberships.filter(is_active=True)  # type: ignore[union-attr]
        .select_related("site", "department")
        .order_by("site__code", "role")
    )
    cards: list[dict[str, Any]] = []
    for _label, module in app_modules("home"):
        cards.extend(module.cards(request))
    cards.sort(key=lambda card: not card.get("urgent"))  # open emergencies first (EM-2)
    return render(request, "web/home.html", {"memberships": memberships, "cards": cards})


@staff_required(roles.SUPERVISORS)
@require_http_methods(["GET", "POST"])
def import_units(request: HttpRequest) -> HttpResponse:
    sites = selectors.sites_for_user(request.user, roles.SUPERVISORS)
    form = UnitImportForm(request.POST or None, request.FILES or None, sites=sites)
    errors: list[tuple[int, str]] = []
    result = None
    if request.method == "POST" and form.is_valid():
        try:
            result = units_import(
                site=form.cleaned_data["site"], file=form.cleaned_data["file"], actor=request.user
            )
            messages.success(
                request,
                _("导入成功：%(rows)d 行，新增楼栋 %(b)d，房屋 %(u)d，住户 %(r)d。")
                % {
                    "rows": result.rows,
                    "b": result.buildings,
                    "u": result.units,
                    "r": result.residents,
                },
            )
        except ImportFailed as exc:
            errors = exc.errors
            messages.error(request, exc.detail)
    return render(
        request, "web/import_units.html", {"form": form, "errors": errors, "result": result}
    )


@staff_required(roles.SUPERVISORS)
def import_template_download(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="units-import-template.xlsx"'
    import_template().save(response)
    return response


@staff_required(roles.ALL_STAFF)
@require_http_methods(["GET", "POST"])
def api_tokens(request: HttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST or None)
    new_token = None
    if request.method == "POST" and form.is_valid():
        _token, new_token = api_token_create(
            user=request.user, name=form.cleaned_data["name"], actor=request.user
        )
        messages.success(request, _("令牌已创建。请立即复制，它只显示这一次。"))
    tokens = ApiToken.objects.filter(user=cast(User, request.user)).order_by("-created_at")
    return render(
        request, "web/api_tokens.html", {"form": form, "tokens": tokens, "new_token": new_token}
    )


@staff_required(roles.ALL_STAFF)
@require_POST
def api_token_revoke_view(request: HttpRequest, token_id: int) -> HttpResponse:
    try:
        api_token_revoke(token_id=token_id, user=request.user, actor=request.user)
        messages.success(request, _("令牌已吊销。"))
    except DeskError as exc:
        messages.error(request, exc.detail)
    return redirect("web:api_tokens")
