"""Staff pages: the inbox, the bell badge (htmx), open/mark read, channel preferences."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from estatedesk.core.errors import DeskError
from estatedesk.notify import conf, selectors, services
from estatedesk.notify.forms import PreferenceForm
from estatedesk.org import roles
from estatedesk.web.decorators import staff_required

CHANGED_EVENT = "notify-changed"  # htmx event: the bell refreshes its badge


def _inbox_url(request: HttpRequest) -> str:
    """Back to the inbox page and filter the user came from."""
    url = reverse("notify:inbox")
    query = {k: request.POST.get(k, "") for k in ("page", "unread")}
    params = "&".join(f"{k}={v}" for k, v in query.items() if v.isdigit())
    return f"{url}?{params}" if params else url


@staff_required(roles.ALL_STAFF)
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("unread") == "1"
    page = selectors.inbox_for_user(
        request.user, page=request.GET.get("page"), unread_only=unread_only
    )
    return render(
        request,
        "notify/inbox.html",
        {
            "page_obj": page,
            "unread_only": unread_only,
            "unread_total": selectors.unread_count(request.user),
        },
    )


@staff_required(roles.ALL_STAFF)
@require_GET
def bell(request: HttpRequest) -> HttpResponse:
    return render(
        request, "notify/_bell.html", {"notify_unread": selectors.unread_count(request.user)}
    )


@staff_required(roles.ALL_STAFF)
@require_GET
def open_notification(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Follow a notification's link, marking it read on the way."""
    notification = services.notification_mark_read(
        notification_id=notification_id, user=request.user
    )
    target = notification.url
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("notify:inbox")


@staff_required(roles.ALL_STAFF)
@require_POST
def mark_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    notification = services.notification_mark_read(
        notification_id=notification_id, user=request.user
    )
    if request.htmx:  # type: ignore[attr-defined]
        response = render(request, "notify/_row.html", {"n": notification})
        response["HX-Trigger"] = CHANGED_EVENT
        return response
    return redirect(_inbox_url(request))


@staff_required(roles.ALL_STAFF)
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    count = services.notification_mark_all_read(user=request.user)
    if count:
        messages.success(request, _("已将 %(count)d 条通知标为已读。") % {"count": count})
    else:
        messages.info(request, _("没有未读通知。"))
    return redirect("notify:inbox")


@staff_required(roles.ALL_STAFF)
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    pref = selectors.preference_for(request.user)
    account_email = getattr(request.user, "email", "") or ""
    initial = {
        "phone": pref.phone if pref else "",
        "email": pref.email if pref else "",
        "sms_enabled": pref.sms_enabled if pref else False,
        "email_enabled": pref.email_enabled if pref else False,
        "wecom_enabled": pref.wecom_enabled if pref else False,
    }
    form = PreferenceForm(request.POST or None, initial=initial, account_email=account_email)
    if request.method == "POST" and form.is_valid():
        try:
            services.preference_update(user=request.user, actor=request.user, **form.cleaned_data)
        except DeskError as exc:
            form.add_error(None, exc.detail)
        else:
            messages.success(request, _("通知设置已保存。"))
            return redirect("notify:preferences")
    return render(
        request,
        "notify/preferences.html",
        {
            "form": form,
            "account_email": account_email,
            "wecom_disabled": not conf.get().wecom_webhook,
        },
    )
