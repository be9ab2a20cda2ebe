"""Emergency pages: the list, the "open emergency" shortcut, the full-screen case page with its
live panel (htmx, every 15 s) and actions, and the signed SMS acknowledgement link.

Thin: fetch with an access check (``get_case_for_user``: 404 outside the user's sites),
validate, call one service, redirect. A refused action keeps what was typed: the page is
rendered again with the bound form and the service's message.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from estatedesk.core import clock, masking
from estatedesk.core.errors import DeskError, NotFound
from estatedesk.emergencies import links, selectors, services
from estatedesk.emergencies.enums import AckVia, CaseState, ChainState, ResponderStatus
from estatedesk.emergencies.forms import (
    InstructionForm,
    NoteForm,
    OpenForm,
    PhoneAckForm,
    ResponderNotifyForm,
    ResponderStatusForm,
    SignOffForm,
    StepForm,
)
from estatedesk.emergencies.models import EmergencyCase, PageRecipient
from estatedesk.org import roles
from estatedesk.org.enums import Role
from estatedesk.org.selectors import sites_for_user
from estatedesk.tickets.enums import TicketKind
from estatedesk.web.decorators import staff_required

PAGE_SIZE = 20
SCOPES = {
    "unsigned": gettext_lazy("进行中/待签字"),
    "closed": gettext_lazy("已结案"),
    "all": gettext_lazy("全部"),
}


@staff_required(roles.ALL_STAFF)
@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    scope = request.GET.get("scope", "unsigned")
    if scope not in SCOPES:
        scope = "unsigned"
    page = Paginator(selectors.case_list(request.user, scope=scope), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "emergencies/list.html",
        {
            "page": page,
            "scope": scope,
            "scopes": [(key, str(label)) for key, label in SCOPES.items()],
            "can_open": bool(roles.site_ids_with(request.user, roles.CS_DESK)),
            "many_sites": len(roles.site_ids_with(request.user)) > 1,
            "my_pages": list(selectors.waiting_pages_for(request.user)),
        },
    )


@staff_required(roles.CS_DESK)
@require_http_methods(["GET", "POST"])
def case_new(request: HttpRequest) -> HttpResponse:
    sites = sites_for_user(request.user, roles.CS_DESK)
    initial = {
        "kind": request.GET.get("kind"),
        # Pre-filled by the tickets intake when its emergency detector fired (EM-1).
        "description": request.GET.get("description", "")[:2000],
    }
    form = OpenForm(request.POST or None, sites=sites, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = services.emergency_open(
                site=data["site"],
                actor=request.user,
                kind=data["kind"],
                severity=data["severity"],
                channel=data["channel"],
                description=data["description"],
                reporter_name=data["reporter_name"],
                reporter_phone=data["reporter_phone"],
                location_text=data["location_text"],
                place=data["place"],
                people_involved=data["people_involved"],
            )
        except DeskError as exc:
            form.add_error(None, exc.detail)
        else:
            messages.success(
                request,
                _("紧急事件 %(number)s 已启动，请按预案逐步处置。")
                % {"number": case.ticket.number},
            )
            return redirect("emergencies:detail", pk=case.pk)
    return render(
        request,
        "emergencies/new.html",
        {"form": form, "medical": TicketKind.EMERGENCY_MEDICAL},
        status=400 if form.errors else 200,
    )


# --- the case page ------------------------------------------------------------------------------


def _forms(case: EmergencyCase, **bound: Any) -> dict[str, Any]:
    told = set(case.responders.values_list("user_id", flat=True))
    candidates = [c for c in selectors.responder_candidates(case.site) if c.user.pk not in told]
    return {
        "notify_form": bound.get("notify_form") or ResponderNotifyForm(choices=candidates),
        "instruction_form": bound.get("instruction_form")
        or InstructionForm(
            leaders=selectors.leaders(case.site), owners=selectors.owners(case.site)
        ),
        "settle_form": bound.get("settle_form") or NoteForm(),
        "sign_off_form": bound.get("sign_off_form") or SignOffForm(),
    }


def _live_context(request: HttpRequest, case: EmergencyCase) -> dict[str, Any]:
    user = request.user
    board = selectors.board(case)
    desk = roles.has_role(user, case.site_id, roles.CS_DESK)
    my_pages = [
        page
        for page in board.pages
        if page.acknowledged_at is None and any(r.user_id == user.pk for r in page.recipients.all())
    ]
    mine = next((r for r in board.responders if r.user_id == user.pk), None)
    return {
        "case": case,
        "board": board,
        "now": clock.now(),
        "desk": desk,
        "my_pages": my_pages,
        "my_responder": mine,
        "open": case.state == CaseState.OPEN,
        "closed": case.state == CaseState.CLOSED,
        "responder_statuses": [
            (status, label, board.by_status[status]) for status, label in ResponderStatus.choices
        ],
        "next_statuses": _next_statuses(mine.status) if mine is not None else [],
        "phone_ack": desk and case.state != CaseState.CLOSED and case.acknowledged_at is None,
    }


# The responder's own buttons say what pressing them does, not the state's name ("已反馈"
# on a button read like something already done).
_STATUS_ACTIONS = {
    ResponderStatus.KNOWS: gettext_lazy("我已知悉"),
    ResponderStatus.ON_WAY: gettext_lazy("我正在赶往"),
    ResponderStatus.ARRIVED: gettext_lazy("我已到场"),
    ResponderStatus.REPORTED: gettext_lazy("提交现场反馈"),
}


def _next_statuses(current: str) -> list[tuple[str, str]]:
    order = list(ResponderStatus.values)
    return [
        (status, str(_STATUS_ACTIONS.get(ResponderStatus(status), label)))
        for status, label in ResponderStatus.choices
        if order.index(status) > order.index(current)
    ]


def _render_detail(
    request: HttpRequest, case: EmergencyCase, *, status: int = 200, **bound: Any
) -> HttpResponse:
    user = request.user
    context = _live_context(request, case)
    may_see = roles.may_see_personal_data(user, case.site_id)
    context.update(_forms(case, **bound))
    context.update(
        {
            "phone": masking.phone_for(case.ticket.reporter_phone, may_see=may_see),
            "holder": case.taken_over_by or case.opened_by,
            "is_holder": case.holder_id == user.pk,
            "supervisor": roles.has_role(user, case.site_id, roles.SUPERVISORS),
            "dispatcher": roles.has_role(user, case.site_id, roles.DISPATCHERS),
            "site_manager": roles.has_role(user, case.site_id, frozenset({Role.SITE_MANAGER})),
            "may_report_up": case.chain_state == ChainState.NOT_STARTED
            and case.state != CaseState.CLOSED,
            "branches": case.playbook.branches if case.playbook is not None else [],
            "cautions": case.playbook.caution_lines if case.playbook is not None else [],
            "timeline": selectors.timeline(case),
            # Full screen: no side menu on this page.
            "nav_items": None,
        }
    )
    return render(request, "emergencies/detail.html", context, status=status)


@staff_required(roles.ALL_STAFF)
@require_GET
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, selectors.get_case_for_user(request.user, pk))


@staff_required(roles.ALL_STAFF)
@require_GET
def case_live(request: HttpRequest, pk: int) -> HttpResponse:
    """The live panel alone, polled by htmx every 15 s."""
    case = selectors.get_case_for_user(request.user, pk)
    return render(request, "emergencies/_live.html", _live_context(request, case))


@staff_required(roles.ALL_STAFF)
@require_GET
def case_timeline(request: HttpRequest, pk: int) -> HttpResponse:
    """The timeline alone, polled by htmx every 15 s."""
    case = selectors.get_case_for_user(request.user, pk)
    return render(
        request, "emergencies/_timeline.html", {"case": case, "timeline": selectors.timeline(case)}
    )


def _done(request: HttpRequest, case: EmergencyCase, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect("emergencies:detail", pk=case.pk)


def _refused(request: HttpRequest, case: EmergencyCase, exc: DeskError) -> HttpResponse:
    messages.error(request, exc.detail)
    return redirect("emergencies:detail", pk=case.pk)


@staff_required(roles.ALL_STAFF)
@require_POST
def page_ack(request: HttpRequest, pk: int, page_id: int) -> HttpResponse:
    case = selectors.get_case_for_user(request.user, pk)
    page = selectors.get_page_for_user(request.user, page_id)
    if page.case_id != case.pk:
        raise NotFound()
    try:
        services.page_acknowledge(page=page, actor=request.user, via=AckVia.PAGE)
    except DeskError as exc:
        return _refused(request, case, exc)
    return _done(request, case, _("已确认收到，呼叫链已停止。"))


@staff_required(roles.CS_DESK)
@require_POST
def page_ack_phone(request: HttpRequest, pk: int, page_id: int) -> HttpResponse:
    case = selectors.get_case_for_user(request.user, pk)
    page = selectors.get_page_for_user(request.user, page_id)
    form = PhoneAckForm(request.POST)
    if page.case_id != case.pk:
        raise NotFound()
    person = (
        get_user_model().objects.filter(pk=form.cleaned_data["user"]).first()
        if form.is_valid()
        else None
    )
    try:
        services.page_acknowledge(
            page=page, actor=request.user, via=AckVia.PHONE, on_behalf_of=person
        )
    except DeskError as exc:
        return _refused(request, case, exc)
    return _done(request, case, _("已代记电话确认，呼叫链已停止。"))


@staff_required(roles.CS_DESK)
@require_POST
def step_done(request: HttpRequest, pk: int, record_id: int) -> HttpResponse:
    case = selectors.get_case_for_user(request.user, pk)
    record = selectors.get_step_for_user(request.user, case, record_id)
    form = StepForm(request.POST)
    form.is_valid()
    data = form.cleaned_data
    try:
        services.step_record(
            case=case,
            record=record,
            actor=request.user,
            note=data.get("note", ""),
            branch=data.get("branch", ""),
        )
    except DeskError as exc:
        return _refused(request, case, exc)
    return redirect(reverse("emergencies:detail", args=[case.pk]) + f"#step-{record.pk}")


@staff_required(roles.CS_DESK)
@require_POST
def responders_notify(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.get_case_for_user(request.user, pk)
    form = ResponderNotifyForm(request.POST, choices=selectors.responder_candidates(case.site))
    if form.is_valid():
        try:
            services.responders_notify(
                case=case,
                users=form.cleaned_data["users"],
                actor=request.user,
                note=form.cleaned_data["note"],
            )
        except DeskError as exc:
            form.add_error(None, exc.detail)
        else:
            return _done(request, case, _("已通知所选责任人。"))
    return _render_detail(request, case, status=400, notify_form=form)


@staff_required(roles.ALL_STAFF)
@require_POST
def responder_status(request: HttpRequest, pk: int, responder_id: int) -> HttpResponse:
    case = selectors.get_case_for_user(request.user, pk)
    responder = selectors.get_responder_for_user(request.user, responder_id)
    if responder.case_id != case.pk:
        raise NotFound()
    form = ResponderStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择有效的状态。"))
        return redirect("emergencies:detail", pk=case.pk)
    try:
        services.responder_update(
            responder=responder,
            status=form.cleaned_data["status"],
            actor=request.user,
            note=form.cleaned_data["note"],
        )
    except DeskError as exc:
        return _refused(request, case, exc)
    return _done(request, case, _("已更新。"))


@staff_required(roles.DISPATCHERS)
@require_POST
def instruction_add(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.get_case_for_user(request.user, pk)
    form = InstructionForm(
        request.POST, leaders=selectors.leaders(case.site), owners=selectors.owners(case.site)
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            instruction = services.instruction_create(
                case=case,
                actor=request.user,
                text=data["text"],
                owner=data["owner"],
                due_at=data["due_at"],
                given_by=data["given_by"],
                given_by_name=data["given_by_name"],
            )
        except DeskError as exc:
            form.add_error(None, exc.detail)
        else:
            return _done(
                request,
                case,
                _("领导指示已立项：%(number)s。") % {"number": instruction.ticket.number},
            )
    return _render_detail(request, case, status=400, instruction_form=form)


@staff_required(roles.CS_DESK)
@require_POST
def take_over(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.get_case_for_user(request.user, pk)
    try:
        services.emergency_take_over(case=case, actor=request.user)
    except DeskError as exc:
        return _refused(request, case, exc)
    return _done(request, case, _("您已接手该紧急事件。"))


@staff_required(roles.SUPERVISORS)
@require_POST
def report_up(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.get_case_for_user(request.user, pk)
    try:
        services.emergency_report_up(case=case, actor=request.user)
    except DeskError as exc:
        return _refused(request, case, exc)
    return _done(request, case, _("已开始逐级呼叫经理。"))


@staff_required(roles.CS_DESK)
@require_POST
def settle(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.get_case_for_user(request.user, pk)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            services.emergency_settle(case=case, actor=request.user, note=form.cleaned_data["note"])
        except DeskError as exc:
            form.add_error(None, exc.detail)
        else:
            return _done(request, case, _("已确认事件平息，等待管理处经理签字结案。"))
    return _render_detail(request, case, status=400, settle_form=form)


@staff_required(frozenset({Role.SITE_MANAGER}))
@require_POST
def sign_off(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.get_case_for_user(request.user, pk)
    form = SignOffForm(request.POST)
    if form.is_valid():
        try:
            services.emergency_sign_off(
                case=case, actor=request.user, note=form.cleaned_data["note"]
            )
        except DeskError as exc:
            form.add_error(None, exc.detail)
        else:
            return _done(request, case, _("已签字结案。"))
    return _render_detail(request, case, status=400, sign_off_form=form)


# --- the SMS link (no login) -------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def ack_link(request: HttpRequest, token: str) -> HttpResponse:
    """EM-2: the signed link in the page's SMS. GET shows what is acknowledged and a button;
    POST acknowledges that page only (see ``links``)."""
    recipient = None
    error = ""
    done = False
    try:
        page_id, user_id = links.read_token(token)
        recipient = (
            PageRecipient.objects.filter(page_id=page_id, user_id=user_id)
            .select_related("page__case__ticket", "page__case__site", "user")
            .first()
        )
        if recipient is None:
            raise links.LinkInvalid()
        if request.method == "POST":
            services.page_acknowledge_by_link(token=token)
            recipient.page.refresh_from_db()
            done = True
    except DeskError as exc:
        error = exc.detail
    context = {
        "recipient": recipient,
        "page": recipient.page if recipient is not None else None,
        "ticket": recipient.page.case.ticket if recipient is not None else None,
        "error": error,
        "done": done,
    }
    return render(request, "emergencies/ack_link.html", context, status=400 if error else 200)
