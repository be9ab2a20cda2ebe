"""Resident portal pages under /r/: sign in by SMS code, report with photos, follow progress,
confirm or reopen, rate (RQ-10), quote confirmation (RQ-12), suggestion box (RP-6).

A resident sees only their own and their units' tickets; anything else is 404."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth import login, logout
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from estatedesk.core.errors import DeskError
from estatedesk.portal import services
from estatedesk.portal.forms import CodeForm, PhoneForm, RateForm, ReportForm, SuggestionForm
from estatedesk.portal.models import Suggestion
from estatedesk.tickets import selectors, timeline, workflow
from estatedesk.tickets import services as ticket_services
from estatedesk.tickets.enums import AttachmentPurpose, TicketState
from estatedesk.tickets.models import ticket_extra

SESSION_PHONE = "portal_phone"


def resident_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed in as a resident, else to the portal sign-in; service errors become pages."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        resident = selectors.resident_of(request.user)
        if resident is None:
            return redirect("portal:login")
        request.resident = resident  # type: ignore[attr-defined]
        try:
            return view(request, *args, **kwargs)
        except DeskError as exc:
            return render(request, "portal/error.html", {"detail": exc.detail}, status=exc.status)

    return wrapper


def _ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


@require_http_methods(["GET", "POST"])
def login_phone(request: HttpRequest) -> HttpResponse:
    if selectors.resident_of(request.user) is not None:
        return redirect("portal:home")
    form = PhoneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        phone = services.normalize_phone(form.cleaned_data["phone"])
        try:
            services.login_code_request(phone=phone, ip=_ip(request))
        except DeskError as exc:
            form.add_error("phone", exc.detail)
        else:
            request.session[SESSION_PHONE] = phone
            return redirect("portal:login_code")
    return render(request, "portal/login.html", {"form": form})


@require_http_methods(["GET", "POST"])
def login_code(request: HttpRequest) -> HttpResponse:
    phone = request.session.get(SESSION_PHONE)
    if not phone:
        return redirect("portal:login")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.login_code_verify(phone=phone, code=form.cleaned_data["code"])
        except DeskError as exc:
            form.add_error("code", exc.detail)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            request.session.pop(SESSION_PHONE, None)
            return redirect("portal:home")
    masked = f"{phone[:3]}****{phone[-4:]}"
    return render(request, "portal/login_code.html", {"form": form, "phone": masked})


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("portal:login")


@resident_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    tickets = (
        selectors.visible_tickets(request.user)
        .select_related("unit__building", "place")
        .order_by("-received_at", "-id")
    )
    page = Paginator(tickets, 20).get_page(request.GET.get("page"))
    return render(request, "portal/home.html", {"page": page})


@resident_required
@require_http_methods(["GET", "POST"])
def report(request: HttpRequest) -> HttpResponse:
    resident = request.resident  # type: ignore[attr-defined]
    form = ReportForm(request.POST or None, request.FILES or None, resident=resident)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            ticket, suggestion = ticket_services.ticket_report_online(
                site=resident.site,
                actor=request.user,
                description=data["description"],
                unit=data.get("unit"),
                place=data.get("place"),
                files=data.get("photos") or [],
            )
        except DeskError as exc:
            form.add_error(None, exc.detail)
        else:
            if suggestion.emergency_category:
                messages.error(
                    request,
                    _("您描述的情况可能很紧急，已通知值班调度员。请立即拨打服务热线！单号 %(n)s。")
                    % {"n": ticket.number},
                )
            else:
                messages.success(
                    request,
                    _("已收到您的报事，单号 %(n)s。我们会尽快处理。") % {"n": ticket.number},
                )
            return redirect("portal:ticket", pk=ticket.pk)
    return render(request, "portal/report.html", {"form": form, "hotline": resident.site.phone})


@resident_required
@require_GET
def ticket_detail(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = selectors.get_ticket_for_user(request.user, pk)
    consultation = ticket_extra(ticket, "consultation")
    paid = ticket_extra(ticket, "paid_service")
    actions = {t.action for t in workflow.allowed_actions(ticket, request.user)}
    finished = ticket.state in {TicketState.DONE, TicketState.CLOSED}
    triage = selectors.triage_suggestion_of(ticket)
    return render(
        request,
        "portal/ticket.html",
        {
            "ticket": ticket,
            "emergency": ticket.is_active and triage is not None and triage.emergency_category,
            "hotline": ticket.site.phone,
            "entries": timeline.entries(
                selectors.timeline(ticket), for_resident=True, confidential=ticket.confidential
            ),
            "attachments": selectors.attachments_of(ticket, for_resident=True),
            "answer": None if consultation is None or ticket.confidential else consultation.answer,
            "paid": paid,
            "may_reopen": "reopen" in actions,
            "may_confirm": finished and ticket.resident_confirmed_at is None,
            "may_rate": finished and ticket.rating is None,
            "may_add_photos": ticket.is_active,
            "rate_form": RateForm(),
        },
    )


def _done(request: HttpRequest, pk: int, message: str, call: Callable[[], Any]) -> HttpResponse:
    try:
        call()
    except DeskError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, message)
    return redirect("portal:ticket", pk=pk)


@resident_required
@require_POST
def ticket_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = selectors.get_ticket_for_user(request.user, pk)
    return _done(
        request,
        ticket.pk,
        _("感谢确认。"),
        lambda: ticket_services.ticket_resident_confirm(ticket_id=ticket.pk, actor=request.user),
    )


@resident_required
@require_POST
def ticket_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    """The resident says it is not fixed: the ticket goes back to work (reopen)."""
    ticket = selectors.get_ticket_for_user(request.user, pk)
    return _done(
        request,
        ticket.pk,
        _("已退回重新处理，我们会尽快跟进。"),
        lambda: ticket_services.ticket_transition(
            ticket_id=ticket.pk,
            action="reopen",
            actor=request.user,
            payload={"reason": request.POST.get("reason", "")},
        ),
    )


@resident_required
@require_POST
def ticket_rate(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = selectors.get_ticket_for_user(request.user, pk)
    form = RateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择 1 到 5 星。"))
        return redirect("portal:ticket", pk=ticket.pk)
    return _done(
        request,
        ticket.pk,
        _("感谢您的评价！"),
        lambda: ticket_services.ticket_rate(
            ticket_id=ticket.pk,
            actor=request.user,
            rating=form.cleaned_data["rating"],
            comment=form.cleaned_data.get("comment") or "",
        ),
    )


@resident_required
@require_POST
def quote_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """RQ-12: the resident accepts the quote; work may start."""
    ticket = selectors.get_ticket_for_user(request.user, pk)
    return _done(
        request,
        ticket.pk,
        _("已确认报价，我们会安排上门。"),
        lambda: ticket_services.paid_service_confirm(ticket_id=ticket.pk, actor=request.user),
    )


@resident_required
@require_POST
def ticket_photos(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = selectors.get_ticket_for_user(request.user, pk)
    return _done(
        request,
        ticket.pk,
        _("照片已上传。"),
        lambda: ticket_services.attachment_add(
            ticket_id=ticket.pk,
            actor=request.user,
            files=request.FILES.getlist("files"),
            purpose=AttachmentPurpose.REPORT,
        ),
    )


@resident_required
@require_http_methods(["GET", "POST"])
def suggestions(request: HttpRequest) -> HttpResponse:
    resident = request.resident  # type: ignore[attr-defined]
    form = SuggestionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.suggestion_create(actor=request.user, body=form.cleaned_data["body"])
        except DeskError as exc:
            form.add_error(None, exc.detail)
        else:
            messages.success(request, _("感谢您的意见，我们会认真答复。"))
            return redirect("portal:suggestions")
    rows = Suggestion.objects.filter(resident=resident).order_by("-created_at")[:50]
    return render(request, "portal/suggestions.html", {"form": form, "rows": rows})
