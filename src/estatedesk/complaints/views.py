"""Complaint pages. Thin: fetch with an access check, validate a form, call one service,
render. A DeskError from a service becomes a form error on the re-rendered page, so nothing the
user typed is lost; objects outside the user's sites are 404 (``get_<noun>_for_user``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from estatedesk.complaints import clocks, selectors, services, workflow
from estatedesk.complaints.enums import (
    SEVERITY_GUIDANCE,
    CapaState,
    ExtensionState,
    Satisfaction,
    Scope,
    Severity,
    Stage,
    SummaryState,
    Validity,
)
from estatedesk.complaints.forms import (
    AnswerForm,
    CapaFileForm,
    CapaImplementForm,
    CapaVerifyForm,
    CloseForm,
    ComplaintDetailForm,
    ExtensionDecisionForm,
    ExtensionRequestForm,
    FilterForm,
    HandleForm,
    QualityCheckForm,
    ReportForm,
    ReturnForm,
    SummarySignForm,
    SummarySubmitForm,
    TellForm,
    TicketFieldsForm,
    VisitForm,
)
from estatedesk.complaints.labels import EVENT_LABELS as COMPLAINT_LABELS
from estatedesk.complaints.models import Complaint, CorrectiveAction
from estatedesk.core import masking
from estatedesk.core.errors import DeskError
from estatedesk.org import roles
from estatedesk.org.enums import Role
from estatedesk.org.models import Resident
from estatedesk.org.selectors import sites_for_user
from estatedesk.sla.enums import ClockStatus
from estatedesk.tickets.timeline import LABELS as TICKET_LABELS
from estatedesk.web.decorators import staff_required

PAGE_SIZE = 20
EVENT_LABELS: dict[str, Any] = {**TICKET_LABELS, **COMPLAINT_LABELS}
CLOCK_STYLE: dict[str, str] = {
    ClockStatus.RUNNING: "primary",
    ClockStatus.PAUSED: "secondary",
    ClockStatus.MET: "success",
    ClockStatus.MET_LATE: "warning",
    ClockStatus.BREACHED: "danger",
    ClockStatus.CANCELLED: "secondary",
}
SEVERITY_STYLE: dict[str, str] = {
    Severity.MAJOR: "danger",
    Severity.IMPORTANT: "warning",
    Severity.MINOR: "secondary",
}


def _phone(request: HttpRequest, complaint: Complaint) -> str:
    may_see = roles.may_see_personal_data(request.user, complaint.site_id)
    return masking.phone_for(complaint.ticket.reporter_phone, may_see=may_see)


def _query_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


# --- list and intake ------------------------------------------------------------------------


@staff_required(roles.ALL_STAFF)
@require_GET
def complaint_list(request: HttpRequest) -> HttpResponse:
    sites = sites_for_user(request.user)
    form = FilterForm(request.GET or None, sites=sites)
    qs = selectors.complaint_list(request.user, form.filters())
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    may_register = bool(roles.site_ids_with(request.user, roles.CS_DESK))
    unregistered = list(selectors.unregistered_tickets(request.user)[:10]) if may_register else []
    return render(
        request,
        "complaints/list.html",
        {
            "form": form,
            "page": page,
            "query": _query_without_page(request),
            "filtered": any(v for k, v in request.GET.items() if k != "page"),
            "may_register": may_register,
            "unregistered": unregistered,
            "severity_style": SEVERITY_STYLE,
        },
    )


def _detail_from(form: ComplaintDetailForm) -> services.ComplaintDetail:
    data = form.cleaned_data
    return services.ComplaintDetail(
        validity=data["validity"],
        severity=data["severity"],
        scope=data["scope"],
        demand=data["demand"],
        apology=data["apology"],
        invalid_reason=data.get("invalid_reason") or "",
        non_property_kind=data.get("non_property_kind") or "",
        external_party_id=data["external_party"].pk if data.get("external_party") else None,
        referred_to=data.get("referred_to") or "",
        department_id=data["department"].pk if data.get("department") else None,
        complained_person=data.get("complained_person") or "",
        reasonable_deadline=data.get("reasonable_deadline"),
        contact_note=data.get("contact_note") or "",
    )


def _ticket_fields(form: TicketFieldsForm) -> dict[str, Any]:
    """The RQ-3 fields; a caller whose phone belongs to a resident of the site is linked to
    that resident (and their only unit when none was typed)."""
    data = form.cleaned_data
    site = data["site"]
    resident = None
    if data.get("reporter_phone"):
        resident = (
            Resident.objects.filter(site=site, phone=data["reporter_phone"].strip())
            .prefetch_related("occupancies")
            .first()
        )
    unit = data.get("unit")
    if unit is None and resident is not None:
        occupancies = list(resident.occupancies.all())
        if len(occupancies) == 1:
            unit = occupancies[0].unit
    return {
        "channel": data["channel"],
        "description": data["description"],
        "reporter_name": data["reporter_name"],
        "reporter_phone": data.get("reporter_phone") or "",
        "unit": unit,
        "place": data.get("place"),
        "location_text": data.get("location_text") or "",
        "occurred_at": data.get("occurred_at"),
        "resident": resident,
        "received_at": data.get("received_at"),
    }


@staff_required(roles.CS_DESK)
@require_http_methods(["GET", "POST"])
def complaint_new(request: HttpRequest) -> HttpResponse:
    """CP-1 / CP-4 intake; with ``?ticket=<id>`` completes the record of a complaint ticket
    that came by letter, the portal or the general intake (CP-11)."""
    sites = sites_for_user(request.user, roles.CS_DESK)
    site_ids = [s.pk for s in sites]
    existing = None
    if request.GET.get("ticket", "").isdigit():
        existing = selectors.get_unregistered_ticket_for_user(
            request.user, int(request.GET["ticket"])
        )
    data = request.POST if request.method == "POST" else None
    detail_form = ComplaintDetailForm(data, site_ids=site_ids)
    ticket_form = None if existing else TicketFieldsForm(data, request.FILES or None, sites=sites)
    if request.method == "POST":
        ok = detail_form.is_valid() and (ticket_form is None or ticket_form.is_valid())
        if ok:
            try:
                if existing is not None:
                    complaint = services.complaint_register(
                        ticket_id=existing.pk, actor=request.user, detail=_detail_from(detail_form)
                    )
                else:
                    assert ticket_form is not None
                    complaint = services.complaint_create(
                        site=ticket_form.cleaned_data["site"],
                        actor=request.user,
                        ticket_fields=_ticket_fields(ticket_form),
                        detail=_detail_from(detail_form),
                        files=ticket_form.cleaned_data.get("photos") or [],
                    )
            except DeskError as exc:
                detail_form.add_error(None, exc.detail)
            else:
                messages.success(
                    request,
                    _("投诉 %(number)s 已受理。") % {"number": complaint.ticket.number},
                )
                return redirect("complaints:detail", pk=complaint.pk)
    return render(
        request,
        "complaints/new.html",
        {
            "form": detail_form,
            "ticket_form": ticket_form,
            "existing": existing,
            "severity_choices": detail_form.severity_choices(),
        },
        status=400 if request.method == "POST" else 200,
    )


# --- detail and the cycle's actions ---------------------------------------------------------


def _report_leaders(complaint: Complaint) -> list[Any]:
    wanted = services.REPORT_TO.get(complaint.severity)
    if not wanted:
        return []
    return selectors.users_with_roles(complaint.site_id, wanted)


def _action_form(name: str, complaint: Complaint, data: Any = None, user: Any = None) -> forms.Form:
    if name == "report":
        leaders = _report_leaders(complaint)
        self_ok = user is not None and any(u.pk == user.pk for u in leaders)
        others = [u for u in leaders if user is None or u.pk != user.pk]
        return ReportForm(data, leaders=others, self_ok=self_ok)
    form_class: type[forms.Form] = {
        "answer": AnswerForm,
        "request_extension": ExtensionRequestForm,
        "handle": HandleForm,
        "return_form": ReturnForm,
        "tell": TellForm,
        "visit": VisitForm,
        "close": CloseForm,
    }.get(name, forms.Form)
    return form_class(data)


def _run_action(name: str, complaint: Complaint, user: Any, data: dict[str, Any]) -> Any:
    pk = complaint.pk
    runners: dict[str, Callable[[], Any]] = {
        "sign": lambda: services.complaint_sign(complaint_id=pk, actor=user),
        "report": lambda: services.complaint_report(
            complaint_id=pk,
            actor=user,
            reported_to_id=data.get("reported_to") or None,
            via=data["via"],
        ),
        "answer": lambda: services.complaint_answer(
            complaint_id=pk, actor=user, answer=data["answer"]
        ),
        "request_extension": lambda: services.extension_request(
            complaint_id=pk, actor=user, reason=data["reason"], until=data["until"]
        ),
        "handle": lambda: services.complaint_handle(
            complaint_id=pk,
            actor=user,
            handling=data["handling"],
            caused_by_substandard_work=data.get("caused_by_substandard_work", False),
        ),
        "return_form": lambda: services.complaint_form_return(
            complaint_id=pk, actor=user, note=data.get("note", "")
        ),
        "tell": lambda: services.complaint_tell(
            complaint_id=pk, actor=user, via=data["via"], note=data["note"]
        ),
        "visit": lambda: services.return_visit_record(
            complaint_id=pk,
            actor=user,
            via=data["via"],
            result=data["result"],
            satisfaction=data["satisfaction"],
        ),
        "close": lambda: services.complaint_close(
            complaint_id=pk, actor=user, note=data.get("note", "")
        ),
    }
    return runners[name]()


def _capa_of(complaint: Complaint) -> CorrectiveAction | None:
    return (
        CorrectiveAction.objects.filter(complaint=complaint)
        .select_related("owner", "filed_by", "implemented_by", "verified_by")
        .first()
    )


def _detail_context(
    request: HttpRequest, complaint: Complaint, bound: dict[str, forms.Form] | None = None
) -> dict[str, Any]:
    user = request.user
    bound = bound or {}
    actions = [
        {"action": a, "form": bound.get(a.name) or _action_form(a.name, complaint, user=user)}
        for a in workflow.allowed_actions(complaint, user)
    ]
    extensions = list(complaint.extensions.all())
    pending = next((e for e in extensions if e.state == ExtensionState.PENDING), None)
    may_decide = pending is not None and workflow.may_decide_extension(
        complaint, user, pending.approver_role
    )
    capa = _capa_of(complaint)
    capa_forms: dict[str, forms.Form] = {}
    capa_state = capa.state if capa is not None else None
    if capa is None and complaint.needs_capa and workflow.may_file_capa(complaint, user):
        capa_forms["file"] = bound.get("capa_file") or CapaFileForm(
            staff=selectors.site_staff_choices(complaint.site_id)
        )
    may_implement = capa is not None and (
        capa.owner_id == user.pk or workflow.may_file_capa(complaint, user)
    )
    if capa_state == CapaState.OPEN and may_implement:
        capa_forms["implement"] = bound.get("capa_implement") or CapaImplementForm()
    if capa_state == CapaState.IMPLEMENTED and roles.has_role(
        user, complaint.site_id, {Role.QUALITY}
    ):
        capa_forms["verify"] = bound.get("capa_verify") or CapaVerifyForm()
    complaint_clocks = selectors.complaint_clocks(complaint)
    return {
        "complaint": complaint,
        "ticket": complaint.ticket,
        "phone": _phone(request, complaint),
        "actions": actions,
        "extensions": extensions,
        "pending_extension": pending,
        "decision_form": (bound.get("decide") or ExtensionDecisionForm()) if may_decide else None,
        "capa": capa,
        "capa_forms": capa_forms,
        "return_visit": getattr(complaint, "return_visit", None),
        "clocks": [
            {"clock": c, "style": CLOCK_STYLE.get(c.status, "secondary")} for c in complaint_clocks
        ],
        "handling_clock": selectors.handling_clock(complaint),
        "timeline": [
            {"event": e, "label": EVENT_LABELS.get(e.verb, e.verb)}
            for e in selectors.timeline(complaint)
        ],
        "related": list(complaint.related.select_related("ticket").order_by("received_at")),
        "guidance": SEVERITY_GUIDANCE.get(complaint.severity),
        "severity_style": SEVERITY_STYLE,
    }


@staff_required(roles.ALL_STAFF)
@require_GET
def complaint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = selectors.get_complaint_for_user(request.user, pk)
    return render(request, "complaints/detail.html", _detail_context(request, complaint))


def _rerender(
    request: HttpRequest, complaint: Complaint, key: str, form: forms.Form, status: int
) -> HttpResponse:
    complaint = selectors.get_complaint_for_user(request.user, complaint.pk)
    context = _detail_context(request, complaint, {key: form})
    context["error_form"] = key
    shown = {item["action"].name for item in context["actions"]}
    shown |= {f"capa_{step}" for step in context["capa_forms"]}
    if context["decision_form"] is not None:
        shown.add("decide")
    if key not in shown:
        # the form is not offered to this user any more: say why at the top of the page
        context["error_detail"] = " ".join(str(e) for e in form.non_field_errors())
    return render(request, "complaints/detail.html", context, status=status)


@staff_required(roles.ALL_STAFF)
@require_POST
def complaint_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    complaint = selectors.get_complaint_for_user(request.user, pk)
    if workflow.find(action) is None:
        raise Http404
    form = _action_form(action, complaint, request.POST, user=request.user)
    if not form.is_valid():
        return _rerender(request, complaint, action, form, 400)
    try:
        _run_action(action, complaint, request.user, form.cleaned_data)
    except DeskError as exc:
        form.add_error(None, exc.detail)
        return _rerender(request, complaint, action, form, exc.status)
    label = workflow.BY_NAME[action].label
    messages.success(request, _("已完成：%(action)s。") % {"action": label})
    return redirect("complaints:detail", pk=complaint.pk)


@staff_required(roles.ALL_STAFF)
@require_POST
def extension_decide(request: HttpRequest, pk: int, extension_id: int) -> HttpResponse:
    complaint = selectors.get_complaint_for_user(request.user, pk)
    extension = selectors.get_extension_for_user(request.user, extension_id)
    if extension.complaint_id != complaint.pk:
        raise Http404
    form = ExtensionDecisionForm(request.POST)
    if not form.is_valid():
        return _rerender(request, complaint, "decide", form, 400)
    approve = form.cleaned_data["decision"] == "approve"
    try:
        services.extension_decide(
            extension_id=extension.pk,
            actor=request.user,
            approve=approve,
            note=form.cleaned_data.get("note", ""),
        )
    except DeskError as exc:
        form.add_error(None, exc.detail)
        return _rerender(request, complaint, "decide", form, exc.status)
    messages.success(request, _("已批准延期。") if approve else _("已驳回延期申请。"))
    return redirect("complaints:detail", pk=complaint.pk)


@staff_required(roles.ALL_STAFF)
@require_POST
def capa_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    complaint = selectors.get_complaint_for_user(request.user, pk)
    form: forms.Form
    try:
        if step == "file":
            form = CapaFileForm(request.POST, staff=selectors.site_staff_choices(complaint.site_id))
            if not form.is_valid():
                return _rerender(request, complaint, "capa_file", form, 400)
            data = form.cleaned_data
            services.capa_file(
                complaint_id=complaint.pk,
                actor=request.user,
                nonconformity=data["nonconformity"],
                cause=data["cause"],
                correction=data["correction"],
                prevention=data["prevention"],
                owner_id=data["owner"],
                due_date=data["due_date"],
            )
        else:
            capa = _capa_of(complaint)
            if capa is None or step not in {"implement", "verify"}:
                raise Http404
            if step == "implement":
                form = CapaImplementForm(request.POST)
                if not form.is_valid():
                    return _rerender(request, complaint, "capa_implement", form, 400)
                services.capa_implement(
                    capa_id=capa.pk, actor=request.user, note=form.cleaned_data["note"]
                )
            else:
                form = CapaVerifyForm(request.POST)
                if not form.is_valid():
                    return _rerender(request, complaint, "capa_verify", form, 400)
                services.capa_verify(
                    capa_id=capa.pk,
                    actor=request.user,
                    verification=form.cleaned_data["verification"],
                    accept=form.cleaned_data["decision"] == "close",
                )
    except DeskError as exc:
        form.add_error(None, exc.detail)
        return _rerender(request, complaint, f"capa_{step}", form, exc.status)
    messages.success(request, _("纠正与预防措施报告已更新。"))
    return redirect(reverse("complaints:detail", args=[complaint.pk]) + "#capa")


# --- printable forms ------------------------------------------------------------------------


@staff_required(roles.ALL_STAFF)
@require_GET
def form_print(request: HttpRequest, pk: int) -> HttpResponse:
    """《住户投诉意见表》 (CP-6), laid out like the paper form."""
    complaint = selectors.get_complaint_for_user(request.user, pk)
    return render(
        request,
        "complaints/print_form.html",
        {
            "complaint": complaint,
            "ticket": complaint.ticket,
            "phone": _phone(request, complaint),
            "severities": Severity.choices,
            "validities": Validity.choices,
            "scopes": Scope.choices,
        },
    )


@staff_required(roles.ALL_STAFF)
@require_GET
def record_print(request: HttpRequest, pk: int) -> HttpResponse:
    """《投诉处置记录表》 (CP-8): the handling, return, telling, visit and CAPA of one complaint."""
    complaint = selectors.get_complaint_for_user(request.user, pk)
    return render(
        request,
        "complaints/print_record.html",
        {
            "complaint": complaint,
            "ticket": complaint.ticket,
            "phone": _phone(request, complaint),
            "return_visit": getattr(complaint, "return_visit", None),
            "capa": _capa_of(complaint),
            "extensions": [e for e in complaint.extensions.all() if e.state != "pending"],
            "handling_clocks": [
                c for c in selectors.complaint_clocks(complaint) if c.kind in clocks.HANDLING_KINDS
            ],
            "satisfactions": Satisfaction.choices,
        },
    )


# --- CAPA list ------------------------------------------------------------------------------


@staff_required(selectors.CAPA_ROLES)
@require_GET
def capa_list(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    if state not in CapaState.values:
        state = ""
    page = Paginator(selectors.capa_list(request.user, state=state), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "complaints/capa_list.html",
        {
            "page": page,
            "state": state,
            "states": CapaState.choices,
            "query": _query_without_page(request),
        },
    )


# --- weekly report and quality check (RP-1, DS-7) -------------------------------------------


@staff_required(selectors.REVIEW_ROLES)
@require_GET
def weekly_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.weekly_reports(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "complaints/weekly_list.html", {"page": page, "query": ""})


def _check_choices(report: Any) -> list[tuple[int, str]]:
    return [
        (c.pk, f"{c.ticket.number} {c.get_severity_display()} {c.ticket.description[:30]}")
        for c in selectors.recent_for_quality_check(report)
    ]


def _weekly_context(
    request: HttpRequest, report: Any, form: QualityCheckForm | None = None
) -> dict[str, Any]:
    check = getattr(report, "quality_check", None)
    may_check = check is None and roles.has_role(request.user, report.site_id, {Role.SITE_MANAGER})
    figures = report.figures
    return {
        "report": report,
        "figures": figures,
        "severity_rows": [
            (label, figures["by_severity"].get(v, 0)) for v, label in Severity.choices
        ],
        "validity_rows": [
            (label, figures["by_validity"].get(v, 0)) for v, label in Validity.choices
        ],
        "scope_rows": [(label, figures["by_scope"].get(v, 0)) for v, label in Scope.choices],
        "stage_rows": [
            (label, figures["by_stage"].get(v, 0))
            for v, label in Stage.choices
            if figures["by_stage"].get(v, 0)
        ],
        "visit_rows": [(label, figures["visits"].get(v, 0)) for v, label in Satisfaction.choices],
        "check": check,
        "check_form": (form or QualityCheckForm(choices=_check_choices(report)))
        if may_check
        else None,
    }


@staff_required(selectors.REVIEW_ROLES)
@require_GET
def weekly_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.get_weekly_report_for_user(request.user, pk)
    return render(request, "complaints/weekly_detail.html", _weekly_context(request, report))


@staff_required(selectors.REVIEW_ROLES)
@require_POST
def weekly_check(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.get_weekly_report_for_user(request.user, pk)
    form = QualityCheckForm(request.POST, choices=_check_choices(report))
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.quality_check_record(
                report_id=report.pk,
                actor=request.user,
                conclusion=data["conclusion"],
                findings=data["findings"],
                actions=data.get("actions", ""),
                complaint_ids=data.get("complaints") or [],
            )
        except DeskError as exc:
            form.add_error(None, exc.detail)
            status = exc.status
        else:
            messages.success(request, _("本周投诉处理质量检查已记录。"))
            return redirect("complaints:weekly_detail", pk=report.pk)
    else:
        status = 400
    context = _weekly_context(request, report, form)
    context["check_form"] = form
    return render(request, "complaints/weekly_detail.html", context, status=status)


# --- monthly summary (DS-7, RP-2) -----------------------------------------------------------


@staff_required(selectors.SUMMARY_ROLES)
@require_GET
def monthly_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.monthly_summaries(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "complaints/monthly_list.html", {"page": page, "query": ""})


def _monthly_context(
    request: HttpRequest,
    summary: Any,
    *,
    submit_form: SummarySubmitForm | None = None,
    sign_form: SummarySignForm | None = None,
) -> dict[str, Any]:
    user = request.user
    may_submit = summary.state != SummaryState.SIGNED and roles.has_role(
        user, summary.site_id, roles.DISPATCHERS
    )
    may_sign = summary.state == SummaryState.SUBMITTED and roles.has_role(
        user, summary.site_id, {Role.SITE_MANAGER}
    )
    return {
        "summary": summary,
        "figures": summary.figures,
        "severity_labels": dict(Severity.choices),
        "stage_labels": dict(Stage.choices),
        "validity_labels": dict(Validity.choices),
        "satisfaction_labels": dict(Satisfaction.choices),
        "severity_rows": [
            (label, summary.figures["by_severity"].get(v, 0)) for v, label in Severity.choices
        ],
        "submit_form": (
            submit_form or SummarySubmitForm(initial={"text": summary.dispatcher_summary})
        )
        if may_submit
        else None,
        "sign_form": (sign_form or SummarySignForm()) if may_sign else None,
    }


@staff_required(selectors.SUMMARY_ROLES)
@require_GET
def monthly_detail(request: HttpRequest, pk: int) -> HttpResponse:
    summary = selectors.get_monthly_summary_for_user(request.user, pk)
    return render(request, "complaints/monthly_detail.html", _monthly_context(request, summary))


@staff_required(selectors.SUMMARY_ROLES)
@require_POST
def monthly_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    summary = selectors.get_monthly_summary_for_user(request.user, pk)
    form: forms.Form
    if step == "submit":
        form = SummarySubmitForm(request.POST)
    elif step == "sign":
        form = SummarySignForm(request.POST)
    else:
        raise Http404
    status = 400
    if form.is_valid():
        try:
            if step == "submit":
                services.monthly_summary_submit(
                    summary_id=summary.pk, actor=request.user, text=form.cleaned_data["text"]
                )
                messages.success(request, _("月总结已提交经理审阅。"))
            else:
                services.monthly_summary_sign(
                    summary_id=summary.pk, actor=request.user, comment=form.cleaned_data["comment"]
                )
                messages.success(request, _("月总结已签字。"))
            return redirect("complaints:monthly_detail", pk=summary.pk)
        except DeskError as exc:
            form.add_error(None, exc.detail)
            status = exc.status
    context = _monthly_context(
        request,
        summary,
        submit_form=form if step == "submit" else None,  # type: ignore[arg-type]
        sign_form=form if step == "sign" else None,  # type: ignore[arg-type]
    )
    return render(request, "complaints/monthly_detail.html", context, status=status)


@staff_required(selectors.SUMMARY_ROLES)
@require_GET
def monthly_print(request: HttpRequest, pk: int) -> HttpResponse:
    """《投诉调度记录月总结表》 laid out for A4 landscape."""
    summary = selectors.get_monthly_summary_for_user(request.user, pk)
    return render(request, "complaints/monthly_print.html", _monthly_context(request, summary))
