"""Staff pages of the tickets app. Thin: fetch with an access check, call one service, render.

A DeskError from a service becomes a page message (actions) or a form error (forms); objects
outside the user's sites are 404 (``get_ticket_for_user``)."""

from __future__ import annotations

from collections import Counter
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from estatedesk.core import clock, masking
from estatedesk.core.errors import DeskError, NotFound
from estatedesk.org import roles
from estatedesk.org.models import Department, ExternalParty, Site, Unit
from estatedesk.org.selectors import sites_for_user
from estatedesk.portal import services as portal_services
from estatedesk.portal.models import Suggestion
from estatedesk.tickets import exports, selectors, services, timeline, workflow
from estatedesk.tickets import suggest as ticket_suggest
from estatedesk.tickets.enums import (
    SPECIAL_KINDS,
    AttachmentPurpose,
    CancelKind,
    LogClass,
    ReferralKind,
    RepairClass,
    TicketKind,
)
from estatedesk.tickets.forms import (
    CallLogForm,
    DayRangeForm,
    FilterForm,
    IntakeForm,
    MonthForm,
    unit_by_label,
)
from estatedesk.tickets.models import (
    CallLog,
    Consultation,
    PaidService,
    PriceItem,
    ServiceSlip,
    Ticket,
    ticket_extra,
)
from estatedesk.web.decorators import staff_required

PAGE_SIZE = 25
LOG_PAGE_ROWS = 15  # CV-4: rows per printed page of the calls-and-visits log
REGISTER_ROLES = roles.CS_DESK | roles.MANAGERS | {"quality"}
CHARGE_ROLES = roles.SUPERVISORS | {"finance"}
PAYLOAD_KEYS = (
    "department_id",
    "assignee_id",
    "note",
    "reason",
    "referral_kind",
    "external_party_id",
    "referred_to",
    "engineer",
    "materials",
    "charge",
    "answer",
    "confidential",
    "slip_confirmed",
    "cancel_kind",
)


def _personal_sites(user: Any) -> set[int]:
    """Sites where ``user`` may read residents' phones (AR-3); masked elsewhere."""
    return set(roles.site_ids_with(user, roles.PERSONAL_DATA))


def _with_phone(tickets: list[Ticket], may_see: set[int]) -> list[Ticket]:
    for ticket in tickets:
        ticket.phone_display = masking.phone_for(  # type: ignore[attr-defined]
            ticket.reporter_phone, may_see=ticket.site_id in may_see
        )
    return tickets


# --- list and detail ------------------------------------------------------------------------


@staff_required(roles.ALL_STAFF)
@require_GET
def ticket_list(request: HttpRequest) -> HttpResponse:
    sites = sites_for_user(request.user)
    form = FilterForm(request.GET or None, sites=sites)
    queryset = selectors.ticket_list(request.user, form.filters())
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    _with_phone(list(page.object_list), _personal_sites(request.user))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "tickets/list.html",
        {"form": form, "page": page, "query": query.urlencode(), "now": clock.now()},
    )


def _detail_context(request: HttpRequest, ticket: Ticket) -> dict[str, Any]:
    user = request.user
    held = workflow.capacities(ticket, user)
    consultation: Consultation | None = ticket_extra(ticket, "consultation")
    paid: PaidService | None = ticket_extra(ticket, "paid_service")
    may_see = roles.may_see_personal_data(user, ticket.site_id)
    is_desk = workflow.DESK in held
    children = list(selectors.cluster_children(ticket)) if not ticket.in_cluster else []
    may_join = is_desk and ticket.is_active and not children and ticket.parent_id is None
    return {
        "ticket": ticket,
        "triage": selectors.triage_suggestion_of(ticket),
        "cluster_children": children,
        "similar": selectors.similar_open_tickets(
            site_id=ticket.site_id,
            text=ticket.description,
            unit=ticket.unit,
            place=ticket.place,
            exclude_id=ticket.pk,
        )
        if may_join
        else [],
        "complaint_id": selectors.complaint_id_of(ticket),
        "kinds": [(k, label) for k, label in TicketKind.choices if k not in SPECIAL_KINDS],
        "phone": masking.phone_for(ticket.reporter_phone, may_see=may_see),
        "entries": timeline.entries(
            selectors.timeline(ticket), for_resident=False, confidential=ticket.confidential
        ),
        "actions": workflow.allowed_actions(ticket, user),
        "held": held,
        "attachments": selectors.attachments_of(ticket, for_resident=False),
        "consultation": consultation,
        "paid": paid,
        "price_items": PriceItem.objects.filter(site_id=ticket.site_id, is_active=True)
        if ticket.kind == TicketKind.PAID_SERVICE
        else [],
        "referrals": ticket.referrals.select_related("external_party", "department"),
        "slips": ServiceSlip.objects.filter(ticket=ticket).select_related("worker", "confirmed_by"),
        "callbacks": ticket.callbacks.all(),
        "call_logs": ticket.call_logs.select_related("received_by"),
        "departments": Department.objects.filter(site_id=ticket.site_id).order_by("kind"),
        "staff": selectors.assignable_staff(ticket.site),
        "parties": ExternalParty.objects.filter(site_id=ticket.site_id),
        "referral_kinds": ReferralKind.choices,
        "repair_classes": RepairClass.choices,
        "cancel_kinds": CancelKind.choices,
        "purposes": AttachmentPurpose.choices,
        "is_site_staff": roles.has_role(user, ticket.site_id, roles.ALL_STAFF),
        "is_desk": is_desk,
        "is_supervisor": workflow.SUPERVISOR in held,
        "is_paid": ticket.kind == TicketKind.PAID_SERVICE,
        "now": clock.now(),
    }


@staff_required(roles.ALL_STAFF)
@require_GET
def ticket_detail(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = selectors.get_ticket_for_user(request.user, pk)
    return render(request, "tickets/detail.html", _detail_context(request, ticket))


def _back(ticket_id: int) -> HttpResponse:
    return redirect("tickets:detail", pk=ticket_id)


def _run(request: HttpRequest, ticket_id: int, success: str, call: Any) -> HttpResponse:
    """Run one service; its DeskError becomes a page message, never a lost page."""
    try:
        call()
    except DeskError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, success)
    return _back(ticket_id)


@staff_required(roles.ALL_STAFF)
@require_POST
def ticket_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    ticket = selectors.get_ticket_for_user(request.user, pk)
    payload: dict[str, Any] = {k: request.POST.get(k, "") for k in PAYLOAD_KEYS}
    payload["confidential"] = request.POST.get("confidential") == "on"
    payload["slip_confirmed"] = request.POST.get("slip_confirmed") == "on"
    payload["files"] = request.FILES.getlist("files")
    version = request.POST.get("version") or None
    transition = workflow.find(action)
    label = transition.label if transition else action
    return _run(
        request,
        ticket.pk,
        _("已%(action)s。") % {"action": label},
        lambda: services.ticket_act(
            ticket_id=ticket.pk,
            action=action,
            actor=request.user,
            expected_version=int(version) if version and version.isdigit() else None,
            payload=payload,
        ),
    )


@staff_required(roles.ALL_STAFF)
@require_POST
def ticket_edit(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = selectors.get_ticket_for_user(request.user, pk)
    post = request.POST
    changes: dict[str, Any] = {
        "kind": post.get("kind", ticket.kind),
        "description": post.get("description", ticket.description),
        "urgency": post.get("urgency", ticket.urgency),
        "repair_class": post.get("repair_class", ticket.repair_class),
        "is_complex": post.get("is_complex") == "on",
        "confidential": post.get("confidential") == "on",
    }
    version = post.get("version", "")
    return _run(
        request,
        ticket.pk,
        _("登记信息已修改。"),
        lambda: services.ticket_update(
            ticket_id=ticket.pk,
            actor=request.user,
            expected_version=int(version) if version.isdigit() else None,
            changes=changes,
        ),
    )


@staff_required(roles.ALL_STAFF)
@require_POST
def incident_join(request: HttpRequest, pk: int) -> HttpResponse:
    """Join this report to an open incident of the same building or area (duplicates)."""
    ticket = selectors.get_ticket_for_user(request.user, pk)
    parent_id = request.POST.get("parent_id", "")
    version = request.POST.get("version", "")
    return _run(
        request,
        ticket.pk,
        _("已并入事件，事件的进展将同时告知本报事人。"),
        lambda: services.ticket_join_incident(
            ticket_id=ticket.pk,
            parent_id=int(parent_id) if parent_id.isdigit() else 0,
            actor=request.user,
            expected_version=int(version) if version.isdigit() else None,
        ),
    )


@staff_required(roles.ALL_STAFF)
@require_POST
def incident_leave(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = selectors.get_ticket_for_user(request.user, pk)
    version = request.POST.get("version", "")
    return _run(
        request,
        ticket.pk,
        _("已从事件中移出。"),
        lambda: services.ticket_leave_incident(
            ticket_id=ticket.pk,
            actor=request.user,
            expected_version=int(version) if version.isdigit() else None,
        ),
    )


@staff_required(roles.ALL_STAFF)
@require_POST
def note_add(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = selectors.get_ticket_for_user(request.user, pk)
    kind = request.POST.get("visibility", "internal")
    return _run(
        request,
        ticket.pk,
        _("记录已保存。"),
        lambda: services.note_add(
            ticket_id=ticket.pk,
            actor=request.user,
            body=request.POST.get("body", ""),
            is_public=kind in {"public", "solution"},
            is_solution=kind == "solution",
        ),
    )


@staff_required(roles.ALL_STAFF)
@require_POST
def attachment_upload(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = selectors.get_ticket_for_user(request.user, pk)
    return _run(
        request,
        ticket.pk,
        _("附件已上传。"),
        lambda: services.attachment_add(
            ticket_id=ticket.pk,
            actor=request.user,
            files=request.FILES.getlist("files"),
            purpose=request.POST.get("purpose", AttachmentPurpose.PROGRESS),
        ),
    )


@login_required
@require_GET
def attachment_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Streams a file only to someone who may see its ticket (residents: public files)."""
    try:
        attachment = selectors.get_attachment_for_user(request.user, pk)
    except NotFound as exc:
        return render(request, "web/error.html", {"detail": exc.detail}, status=404)
    response = FileResponse(attachment.file.open("rb"), content_type=attachment.content_type)
    disposition = "inline" if attachment.is_image else "attachment"
    response.headers["Content-Disposition"] = (
        f'{disposition}; filename="{attachment.pk}.{attachment.extension}"'
    )
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@staff_required(roles.ALL_STAFF)
@require_POST
def consultation_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    ticket = selectors.get_ticket_for_user(request.user, pk)
    post, user = request.POST, request.user
    steps: dict[str, tuple[str, Any]] = {
        "escalate": (
            _("已请示主管。"),
            lambda: services.consultation_escalate(
                ticket_id=ticket.pk, actor=user, question=post.get("question", "")
            ),
        ),
        "supervisor_answer": (
            _("已答复受理人。"),
            lambda: services.consultation_supervisor_answer(
                ticket_id=ticket.pk, actor=user, answer=post.get("answer", "")
            ),
        ),
        "draft": (
            _("书面答复稿已保存，等待主管审批。"),
            lambda: services.consultation_reply_draft(
                ticket_id=ticket.pk, actor=user, text=post.get("text", "")
            ),
        ),
        "approve": (
            _("书面答复已审批并办结。"),
            lambda: services.consultation_reply_approve(ticket_id=ticket.pk, actor=user),
        ),
    }
    if step not in steps:
        raise NotFound()
    success, call = steps[step]
    return _run(request, ticket.pk, success, call)


@staff_required(roles.ALL_STAFF)
@require_POST
def paid_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    ticket = selectors.get_ticket_for_user(request.user, pk)
    post, user = request.POST, request.user
    if step == "quote":
        return _run(
            request,
            ticket.pk,
            _("已报价，已短信通知住户确认。"),
            lambda: services.paid_service_quote(
                ticket_id=ticket.pk,
                actor=user,
                price_item_id=post.get("price_item_id", ""),
                quantity=post.get("quantity", "1"),
                note=post.get("note", ""),
            ),
        )
    if step == "confirm":
        return _run(
            request,
            ticket.pk,
            _("已记录住户确认报价。"),
            lambda: services.paid_service_confirm(ticket_id=ticket.pk, actor=user),
        )
    raise NotFound()


@staff_required(roles.ALL_STAFF)
@require_POST
def resident_feedback(request: HttpRequest, pk: int) -> HttpResponse:
    """CS staff record the resident's confirmation or rating given by phone (RQ-10)."""
    ticket = selectors.get_ticket_for_user(request.user, pk)
    if request.POST.get("rating"):
        return _run(
            request,
            ticket.pk,
            _("评价已记录。"),
            lambda: services.ticket_rate(
                ticket_id=ticket.pk,
                actor=request.user,
                rating=request.POST.get("rating"),
                comment=request.POST.get("comment", ""),
            ),
        )
    return _run(
        request,
        ticket.pk,
        _("已记录住户确认完成。"),
        lambda: services.ticket_resident_confirm(ticket_id=ticket.pk, actor=request.user),
    )


@staff_required(roles.ALL_STAFF)
@require_POST
def referral_report(request: HttpRequest, pk: int, referral_id: int) -> HttpResponse:
    ticket = selectors.get_ticket_for_user(request.user, pk)
    if not ticket.referrals.filter(pk=referral_id).exists():
        raise NotFound()
    return _run(
        request,
        ticket.pk,
        _("反馈已登记。"),
        lambda: services.referral_report(
            referral_id=referral_id, actor=request.user, report=request.POST.get("report", "")
        ),
    )


# --- printable pages ------------------------------------------------------------------------


@staff_required(roles.ALL_STAFF)
@require_GET
def slip_print(request: HttpRequest, pk: int) -> HttpResponse:
    """DS-5: the printable service slip (《服务单》)."""
    ticket = selectors.get_ticket_for_user(request.user, pk)
    slip = (
        ServiceSlip.objects.filter(ticket=ticket)
        .select_related("worker", "confirmed_by")
        .order_by("-reported_at", "-id")
        .first()
    )
    if slip is None:
        raise NotFound(_("该工单还没有服务单。"))
    may_see = roles.may_see_personal_data(request.user, ticket.site_id)
    return render(
        request,
        "tickets/slip_print.html",
        {
            "ticket": ticket,
            "slip": slip,
            "paid": ticket_extra(ticket, "paid_service"),
            "phone": masking.phone_for(ticket.reporter_phone, may_see=may_see),
        },
    )


@staff_required(roles.ALL_STAFF)
@require_GET
def letter_print(request: HttpRequest, pk: int) -> HttpResponse:
    """RQ-8: the approved written reply, printable as a letter."""
    ticket = selectors.get_ticket_for_user(request.user, pk)
    consultation = ticket_extra(ticket, "consultation")
    if consultation is None or consultation.reply_approved_at is None:
        raise NotFound(_("没有已审批的书面答复。"))
    return render(
        request, "tickets/letter_print.html", {"ticket": ticket, "consultation": consultation}
    )


def _register_rows(request: HttpRequest) -> tuple[DayRangeForm, QuerySet[Ticket], Any, Any]:
    sites = sites_for_user(request.user, frozenset(REGISTER_ROLES))
    form = DayRangeForm(request.GET or None, sites=sites)
    site_ids, day_from, day_to = form.range(sites)
    rows = selectors.register_rows(site_ids=site_ids, day_from=day_from, day_to=day_to)
    return form, rows, day_from, day_to


@staff_required(frozenset(REGISTER_ROLES))
@require_GET
def register(request: HttpRequest) -> HttpResponse:
    """RQ-3 / RQ-13: the printable register (《报事报修登记表》) for a day or a range."""
    form, rows, day_from, day_to = _register_rows(request)
    tickets = _with_phone(list(rows[:2000]), _personal_sites(request.user))
    return render(
        request,
        "tickets/register.html",
        {
            "form": form,
            "rows": tickets,
            "day_from": day_from,
            "day_to": day_to,
            "query": request.GET.urlencode(),
        },
    )


@staff_required(frozenset(REGISTER_ROLES))
@require_GET
def register_xlsx(request: HttpRequest) -> HttpResponse:
    _form, rows, day_from, day_to = _register_rows(request)
    book = exports.register_workbook(rows.iterator(), may_see=_personal_sites(request.user))
    return _xlsx(book, f"register-{day_from:%Y%m%d}-{day_to:%Y%m%d}.xlsx")


def _xlsx(book: Any, filename: str) -> HttpResponse:
    response = HttpResponse(
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    book.save(response)
    return response


# --- intake ---------------------------------------------------------------------------------


def _emergency_url(kind: str, description: str) -> str:
    """EM-1: the emergencies app's intake, pre-filled with the kind and what was said."""
    query = urlencode({"kind": kind, "description": description[:2000]})
    return f"{reverse('emergencies:new')}?{query}"


def _incident_parent(request: HttpRequest, site: Site, value: Any) -> Ticket | None:
    """The open incident the receiver chose to join (404 outside the user's sites)."""
    if not value:
        return None
    parent = selectors.get_ticket_for_user(request.user, int(value))
    if parent.site_id != site.pk:
        raise NotFound()
    return parent


@staff_required(roles.CS_DESK)
@require_http_methods(["GET", "POST"])
def ticket_new(request: HttpRequest) -> HttpResponse:
    """The hotline intake screen: one form for a complete ticket (RQ-2, RQ-3, RQ-4, RQ-5).

    The classifier's suggestion pre-fills kind and department as the description is typed
    (RQ-1, RQ-4); a description the emergency detector flags goes to the emergency playbook
    instead of becoming an everyday ticket (EM-1), unless the receiver checked it is not one.
    """
    sites = sites_for_user(request.user, roles.CS_DESK)
    staff = selectors.assignable_users([s.pk for s in sites])
    form = IntakeForm(request.POST or None, request.FILES or None, sites=sites, staff=staff)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        site: Site = data["site"]
        found = ticket_suggest.suggest(data["description"], site=site, channel=data["channel"])
        if found is not None and found.is_emergency and not data.get("not_emergency"):
            try:
                _suggestion, kind = services.intake_emergency_divert(
                    site=site,
                    actor=request.user,
                    description=data["description"],
                    channel=data["channel"],
                    triage_result=found.result,
                )
            except DeskError as exc:
                form.add_error(None, exc.detail)
            else:
                messages.warning(
                    request,
                    _("识别为紧急情况（%(label)s），请按紧急事件预案处置。")
                    % {"label": found.emergency.label if found.emergency else ""},
                )
                return redirect(_emergency_url(kind, data["description"]))
        resident = None
        if data.get("resident"):
            resident = site.residents.filter(pk=data["resident"]).first()
        fields = {
            "kind": data["kind"],
            "channel": data["channel"],
            "description": data["description"],
            "reporter_name": data["reporter_name"],
            "reporter_phone": data.get("reporter_phone") or "",
            "unit": data.get("unit"),
            "place": data.get("place"),
            "location_text": data.get("location_text") or "",
            "occurred_at": data.get("occurred_at"),
            "people_involved": data.get("people_involved") or "",
            "resident": resident,
            "received_at": data["received_at"],
            "urgency": data.get("urgency") or "",
            "is_complex": bool(data.get("is_complex")),
            "repair_class": data.get("repair_class") or "",
            "confidential": bool(data.get("confidential")),
        }
        try:
            parent = _incident_parent(request, site, data.get("parent"))
            if parent is not None:
                fields.update(parent=parent, cluster=True)
            if not form.errors:
                ticket = services.intake_submit(
                    site=site,
                    actor=request.user,
                    ticket_fields=fields,
                    files=data.get("photos") or [],
                    answer_now=data.get("answer_now") or "",
                    confidential_answer=bool(data.get("confidential")),
                    department=data.get("department"),
                    assignee=data.get("assignee"),
                    triage_result=found.result if found is not None else None,
                )
                messages.success(request, _("工单 %(n)s 已登记。") % {"n": ticket.number})
                return redirect("tickets:detail", pk=ticket.pk)
        except DeskError as exc:
            form.add_error(None, exc.detail)
    units = (
        Unit.objects.filter(site__in=sites)
        .select_related("building")
        .order_by("building__sort_order", "building__name", "number")[:3000]
    )
    return render(request, "tickets/new.html", {"form": form, "units": units})


@staff_required(roles.CS_DESK)
@require_GET
def intake_lookup(request: HttpRequest) -> HttpResponse:
    """htmx: the caller's residents, units and recent tickets as the phone number is typed."""
    result = selectors.intake_lookup(user=request.user, phone=request.GET.get("reporter_phone", ""))
    _with_phone(result.recent, _personal_sites(request.user))
    return render(request, "tickets/_lookup.html", {"result": result})


def _intake_site(request: HttpRequest) -> Site | None:
    site_id = request.GET.get("site", "")
    if not site_id.isdigit() or not roles.has_role(request.user, int(site_id), roles.CS_DESK):
        return None
    return Site.objects.filter(pk=int(site_id)).first()


@staff_required(roles.CS_DESK)
@require_GET
def intake_suggest(request: HttpRequest) -> HttpResponse:
    """htmx, as the description is typed: the classifier's kind and department as choices to
    adopt (RQ-1, RQ-4); an emergency the detector sees turns the panel into the way to the
    emergency playbook (EM-1, with an ``intakeEmergency`` event for the page); open tickets
    of the same building or area that read alike, to join as one incident."""
    text = request.GET.get("description", "")
    site = _intake_site(request)
    channel = request.GET.get("channel", "")
    found = ticket_suggest.suggest(text, site=site, channel=channel)
    department = None
    similar: list[tuple[Ticket, float]] = []
    if found is not None and site is not None:
        department = Department.objects.filter(site=site, kind=found.department_kind).first()
        place_id = request.GET.get("place", "")
        similar = selectors.similar_open_tickets(
            site_id=site.pk,
            text=text,
            unit=unit_by_label(site, request.GET.get("unit_label", "")),
            place=site.public_places.filter(pk=int(place_id)).first()
            if place_id.isdigit()
            else None,
        )
    response = render(
        request,
        "tickets/_suggest.html",
        {
            "suggestion": found,
            "department": department,
            "similar": similar,
            "site": site,
            "channel": channel,
            "description": text,
            "emergency_url": _emergency_url(found.kind, text)
            if found is not None and found.is_emergency
            else "",
        },
    )
    if found is not None and found.is_emergency:
        response["HX-Trigger"] = "intakeEmergency"
    return response


@staff_required(roles.CS_DESK)
@require_POST
def intake_emergency(request: HttpRequest) -> HttpResponse:
    """EM-1: "to the emergency playbook" from the intake panel: the suggestion that fired is
    logged and the emergencies intake opens with the description."""
    site_id = request.POST.get("site", "")
    if not site_id.isdigit() or not roles.has_role(request.user, int(site_id), roles.CS_DESK):
        raise NotFound()
    site = Site.objects.get(pk=int(site_id))
    description = request.POST.get("description", "")
    try:
        _suggestion, kind = services.intake_emergency_divert(
            site=site,
            actor=request.user,
            description=description,
            channel=request.POST.get("channel", "") or "hotline",
        )
    except DeskError as exc:
        messages.error(request, exc.detail)
        return redirect("tickets:new")
    return redirect(_emergency_url(kind, description))


# --- calls and visits log (CV-1..CV-4) ------------------------------------------------------


@staff_required(roles.CS_DESK)
@require_http_methods(["GET", "POST"])
def call_log(request: HttpRequest) -> HttpResponse:
    sites = sites_for_user(request.user, roles.CS_DESK)
    initial = {"ticket_number": request.GET.get("ticket", "")}
    form = CallLogForm(request.POST or None, sites=sites, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.call_log_add(
                site=data["site"],
                actor=request.user,
                kind=data["kind"],
                caller_name=data["caller_name"],
                caller_phone=data.get("caller_phone") or "",
                unit=data.get("unit"),
                summary=data["summary"],
                log_class=data["log_class"],
                answer=data.get("answer") or "",
                ticket=data.get("ticket"),
                done=bool(data.get("done")),
            )
        except DeskError as exc:
            form.add_error(None, exc.detail)
        else:
            messages.success(request, _("来电来访已记录。"))
            return redirect(reverse("tickets:calls") + "?" + request.GET.urlencode())
    range_form = DayRangeForm(request.GET or None, sites=sites)
    site_ids, day_from, day_to = range_form.range(sites)
    entries = selectors.call_log_entries(site_ids=site_ids, day_from=day_from, day_to=day_to)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    may_see = _personal_sites(request.user)
    for entry in page.object_list:
        entry.phone_display = masking.phone_for(
            entry.caller_phone, may_see=entry.site_id in may_see
        )
    return render(
        request,
        "tickets/calls.html",
        {
            "form": form,
            "range_form": range_form,
            "page": page,
            "day_from": day_from,
            "day_to": day_to,
            "query": request.GET.urlencode(),
        },
    )


@staff_required(roles.CS_DESK)
@require_POST
def call_log_done(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        entry = services.call_log_done(entry_id=pk, actor=request.user)
    except DeskError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("已销项，编号 %(n)s。") % {"n": entry.done_number})
    return redirect(reverse("tickets:calls") + "?" + request.POST.get("query", ""))


def log_pages(entries: list[CallLog], rows: int = LOG_PAGE_ROWS) -> list[dict[str, Any]]:
    """CV-4: the printed log split into pages, each with its subtotal per class."""
    pages = []
    for start in range(0, len(entries), rows):
        chunk = entries[start : start + rows]
        counts = Counter(entry.log_class for entry in chunk)
        subtotal = [(label, counts.get(value, 0)) for value, label in LogClass.choices]
        pages.append(
            {
                "number": start // rows + 1,
                "entries": chunk,
                "subtotal": subtotal,
                "total": len(chunk),
            }
        )
    return pages


@staff_required(roles.CS_DESK)
@require_GET
def call_log_print(request: HttpRequest) -> HttpResponse:
    sites = sites_for_user(request.user, roles.CS_DESK)
    range_form = DayRangeForm(request.GET or None, sites=sites)
    site_ids, day_from, day_to = range_form.range(sites)
    entries = list(
        selectors.call_log_entries(site_ids=site_ids, day_from=day_from, day_to=day_to)[:3000]
    )
    may_see = _personal_sites(request.user)
    for entry in entries:
        entry.phone_display = masking.phone_for(  # type: ignore[attr-defined]
            entry.caller_phone, may_see=entry.site_id in may_see
        )
    pages = log_pages(entries)
    return render(
        request,
        "tickets/calls_print.html",
        {"pages": pages, "page_count": len(pages), "day_from": day_from, "day_to": day_to},
    )


# --- call-backs, charges, suggestions -------------------------------------------------------


@staff_required(roles.SUPERVISORS)
@require_GET
def callbacks(request: HttpRequest) -> HttpResponse:
    site_ids = roles.site_ids_with(request.user, roles.SUPERVISORS)
    page = Paginator(selectors.open_callbacks(site_ids), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "tickets/callbacks.html", {"page": page, "now": clock.now()})


@staff_required(roles.SUPERVISORS)
@require_POST
def callback_done(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services.callback_complete(
            callback_id=pk, actor=request.user, outcome=request.POST.get("outcome", "")
        )
    except DeskError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("回访结果已记录。"))
    return redirect("tickets:callbacks")


def _charges(request: HttpRequest) -> tuple[MonthForm, QuerySet[PaidService], tuple[int, int]]:
    sites = sites_for_user(request.user, frozenset(CHARGE_ROLES))
    form = MonthForm(request.GET or None, sites=sites)
    site_ids = [s.pk for s in sites]
    today = clock.today()
    year_month = (today.year, today.month)
    if form.is_valid():
        year_month = form.cleaned_data["month"]
        if form.cleaned_data.get("site"):
            site_ids = [form.cleaned_data["site"].pk]
    rows = selectors.charges_for_month(site_ids=site_ids, year=year_month[0], month=year_month[1])
    return form, rows, year_month


@staff_required(frozenset(CHARGE_ROLES))
@require_GET
def charges(request: HttpRequest) -> HttpResponse:
    """RQ-12: the month's paid-service charges for finance."""
    form, rows, (year, month) = _charges(request)
    items = list(rows)
    total = sum((p.charge_amount or 0 for p in items), start=0)
    return render(
        request,
        "tickets/charges.html",
        {
            "form": form,
            "rows": items,
            "total": total,
            "year": year,
            "month": month,
            "query": request.GET.urlencode(),
        },
    )


@staff_required(frozenset(CHARGE_ROLES))
@require_GET
def charges_xlsx(request: HttpRequest) -> HttpResponse:
    _form, rows, (year, month) = _charges(request)
    return _xlsx(exports.charges_workbook(rows.iterator()), f"charges-{year}{month:02d}.xlsx")


@staff_required(roles.CS_DESK)
@require_GET
def suggestions(request: HttpRequest) -> HttpResponse:
    """RP-6: the suggestion box, newest unanswered first."""
    site_ids = roles.site_ids_with(request.user, roles.CS_DESK)
    rows = (
        Suggestion.objects.filter(site_id__in=site_ids)
        .select_related("resident", "replied_by")
        .order_by("replied_at", "-created_at")
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "tickets/suggestions.html", {"page": page})


@staff_required(roles.CS_DESK)
@require_POST
def suggestion_reply(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        portal_services.suggestion_reply(
            suggestion_id=pk, actor=request.user, reply=request.POST.get("reply", "")
        )
    except DeskError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("已答复。"))
    return redirect("tickets:suggestions")
