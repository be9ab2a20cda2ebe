"""Violation pages: list, intake, detail with the ladder and allowed actions, printable forms,
the registers, the finance export and the site settings. Views stay thin: fetch with an
access check, validate the form, call one service, render."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from estatedesk.core import clock, events
from estatedesk.core.errors import DeskError, NotFound, PermissionDenied
from estatedesk.core.masking import phone_for
from estatedesk.org import roles
from estatedesk.org import selectors as org_selectors
from estatedesk.org.enums import Role
from estatedesk.violations import files, rules, selectors, services
from estatedesk.violations.enums import (
    CS_MEASURES,
    GRADE_RULE,
    PENALTY_MEASURES,
    DocumentKind,
    Grade,
    MeasureKind,
)
from estatedesk.violations.forms import (
    CaseFilterForm,
    CaseIntakeForm,
    DecisionForm,
    DocumentForm,
    EvidenceForm,
    FinanceExportForm,
    MeasureForm,
    ResolveForm,
    SettingsForm,
    TaskForm,
    UpgradeForm,
    VisitForm,
    parse_month,
)
from estatedesk.violations.models import ViolationCase
from estatedesk.web.decorators import staff_required

PAGE_SIZE = 20

# How the case's audit events read on its timeline.
EVENT_LABELS = {
    "violations.case_registered": gettext_lazy("登记并转交"),
    "violations.case_upgraded": gettext_lazy("升级为重大违章"),
    "violations.measure_recorded": gettext_lazy("记录措施"),
    "violations.penalty_decided": gettext_lazy("签发处罚决定"),
    "violations.document_issued": gettext_lazy("签发文书"),
    "violations.task_created": gettext_lazy("生成跟进任务"),
    "violations.task_done": gettext_lazy("完成跟进任务"),
    "violations.cutoff_visit": gettext_lazy("上门告知停水停电"),
    "violations.cutoff_executed": gettext_lazy("执行停水停电"),
    "violations.case_resolved": gettext_lazy("办结"),
    "violations.evidence_added": gettext_lazy("上传证据"),
    "violations.rectification_overdue": gettext_lazy("整改逾期提醒"),
}


# --- list and intake -------------------------------------------------------------------------


@staff_required(roles.ALL_STAFF)
@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    sites = org_selectors.sites_for_user(request.user)
    form = CaseFilterForm(request.GET or None, sites=sites)
    filters = selectors.CaseFilters()
    if form.is_valid():
        data = form.cleaned_data
        filters = selectors.CaseFilters(
            state=data["state"],
            grade=data["grade"],
            kind=data["kind"],
            site_id=data["site"].pk if data["site"] else None,
            q=data["q"],
            overdue_at=clock.now() if data["overdue"] else None,
        )
    page = Paginator(selectors.cases_for_user(request.user, filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "violations/case_list.html",
        {
            "form": form,
            "page": page,
            "filtered": any(v for k, v in request.GET.items() if k != "page"),
            "can_register": bool(roles.site_ids_with(request.user, roles.CS_DESK)),
            "many_sites": len(sites) > 1,
        },
    )


@staff_required(roles.CS_DESK)
@require_http_methods(["GET", "POST"])
def case_create(request: HttpRequest) -> HttpResponse:
    site_ids = roles.site_ids_with(request.user, roles.CS_DESK)
    initial = {"occurred_at": clock.localtime().replace(second=0, microsecond=0)}
    form = CaseIntakeForm(
        request.POST or None, request.FILES or None, site_ids=site_ids, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                case = services.case_register(
                    unit=data["unit"],
                    resident=data["resident"],
                    kind=data["kind"],
                    sub_kind=data["sub_kind"],
                    location=data["location"],
                    occurred_at=data["occurred_at"],
                    witness=data["witness"],
                    description=data["description"],
                    onsite_persuasion=data["onsite_persuasion"],
                    grade=data["grade"],
                    causes_loss=data["causes_loss"],
                    endangers_safety=data["endangers_safety"],
                    actor=request.user,
                )
                for upload in data["evidence"]:
                    services.evidence_add(
                        case=case, upload=upload, name=upload.name, actor=request.user
                    )
        except DeskError as exc:
            if isinstance(exc, PermissionDenied | NotFound):
                raise
            form.add_error(None, exc.detail)
        else:
            messages.success(
                request,
                _("已登记违章 %(number)s，已通知%(who)s。")
                % {
                    "number": case.number,
                    "who": case.assigned_to.get_full_name() if case.assigned_to else _("承办人"),
                },
            )
            return redirect("violations:case_detail", pk=case.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "violations/case_form.html",
        {"form": form, "grade_rule": GRADE_RULE},
        status=status,
    )


@staff_required(roles.CS_DESK)
@require_GET
def unit_residents(request: HttpRequest) -> HttpResponse:
    """htmx: the <option>s of the residents of the chosen unit."""
    unit_id = request.GET.get("unit", "")
    residents = selectors.residents_of_unit(
        int(unit_id) if unit_id.isdigit() else None,
        roles.site_ids_with(request.user, roles.CS_DESK),
    )
    return render(request, "violations/_resident_options.html", {"residents": residents})


# --- detail and its actions --------------------------------------------------------------------


def _measure_kinds(case: ViolationCase) -> list[str]:
    return [k for k in case.ladder if k == MeasureKind.PERSUASION or k in CS_MEASURES]


def _decision_kinds(case: ViolationCase, covenant: bool) -> list[str]:
    return [
        k for k in case.ladder if k in PENALTY_MEASURES and (k != MeasureKind.CUTOFF or covenant)
    ]


def _document_kinds(covenant: bool) -> list[str]:
    kinds = [DocumentKind.COORDINATION_SLIP.value]
    if covenant:
        kinds.append(DocumentKind.CUTOFF_NOTICE.value)
    return kinds


def _detail_context(request: HttpRequest, case: ViolationCase, **bound: Any) -> dict[str, Any]:
    user = request.user
    is_open = case.is_open
    settings = selectors.settings_for_site(case.site_id)
    covenant = settings.covenant_allows_cutoff
    measures = selectors.measures_of(case)
    done = {m.kind for m in measures}
    may_decide = bool(rules.may_decide_penalty(user, case))
    perms = {
        "persuade": is_open and bool(rules.is_case_staff(user, case)),
        "cs": is_open and bool(rules.is_case_cs_desk(user, case)),
        "decide": is_open and may_decide,
        "cutoff": bool(rules.may_decide_cutoff(user, case)) and covenant,
        "upgrade": is_open
        and case.grade == Grade.GENERAL
        and bool(rules.is_case_supervisor(user, case)),
        "resolve": is_open and bool(rules.is_case_supervisor(user, case)),
        "tasks": bool(rules.is_case_cs_desk(user, case)),
    }
    notices = selectors.cutoff_notices_of(case)
    now = clock.now()
    tasks = selectors.tasks_of(case)
    return {
        "case": case,
        "perms": perms,
        "settings": settings,
        "ladder": [
            {
                "kind": k,
                "label": MeasureKind(k).label,
                "done": k in done,
                "penalty": k in PENALTY_MEASURES,
            }
            for k in case.ladder
        ],
        "measures": measures,
        "documents": selectors.documents_of(case),
        "evidence": selectors.evidence_of(case),
        "tasks": [{"task": t, "overdue": t.is_overdue(now)} for t in tasks],
        "timeline": [
            {"event": ev, "label": EVENT_LABELS.get(ev.verb, ev.verb)}
            for ev in events.for_subject(case)
        ],
        "resident_phone": phone_for(
            case.resident.phone if case.resident else "",
            may_see=roles.may_see_personal_data(user, case.site_id),
        ),
        "grade_rule": GRADE_RULE,
        "has_rectification": MeasureKind.RECTIFICATION in case.ladder,
        "measure_form": bound.get("measure")
        or MeasureForm(
            kinds=[k for k in _measure_kinds(case) if rules.may_record_measure(user, case, k)]
        ),
        "decision_form": bound.get("decision")
        or DecisionForm(kinds=_decision_kinds(case, covenant), notices=notices),
        "document_form": bound.get("document") or DocumentForm(kinds=_document_kinds(covenant)),
        "upgrade_form": bound.get("upgrade") or UpgradeForm(),
        "resolve_form": bound.get("resolve") or ResolveForm(),
        "evidence_form": bound.get("evidence") or EvidenceForm(),
        "visit_form": VisitForm(),
        "task_form": TaskForm(),
        "bound_error": next(iter(bound), ""),
        "pending_cutoffs": [
            m for m in measures if m.kind == MeasureKind.CUTOFF and m.executed_at is None
        ],
    }


@staff_required(roles.ALL_STAFF)
@require_GET
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.get_case_for_user(request.user, pk)
    return render(request, "violations/case_detail.html", _detail_context(request, case))


def _submit(
    request: HttpRequest,
    case: ViolationCase,
    key: str,
    form: Any,
    run: Callable[[dict[str, Any]], Any],
    success: str,
) -> HttpResponse:
    """Validate ``form``, call the service; a refusal shows on the form with the input kept.

    PermissionDenied and NotFound propagate (403/404 page from ``staff_required``)."""
    if form.is_valid():
        try:
            run(form.cleaned_data)
        except DeskError as exc:
            if isinstance(exc, PermissionDenied | NotFound):
                raise
            form.add_error(None, exc.detail)
        else:
            messages.success(request, success)
            return redirect("violations:case_detail", pk=case.pk)
    context = _detail_context(request, case, **{key: form})
    return render(request, "violations/case_detail.html", context, status=400)


@staff_required(roles.ALL_STAFF)
@require_POST
def measure_add(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.get_case_for_user(request.user, pk)
    form = MeasureForm(request.POST, kinds=_measure_kinds(case))
    return _submit(
        request,
        case,
        "measure",
        form,
        lambda d: services.measure_record(
            case=case,
            kind=d["kind"],
            details=d["details"],
            deadline=d["deadline"],
            out_of_order_reason=d["out_of_order_reason"],
            actor=request.user,
        ),
        _("措施已记录。"),
    )


@staff_required(roles.ALL_STAFF)
@require_POST
def penalty_add(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.get_case_for_user(request.user, pk)
    # VI-9: refuse before reading the form so an unauthorised POST changes nothing.
    if not rules.may_decide_penalty(request.user, case):
        raise PermissionDenied(
            _("只有管理处授权的人员（默认管理处经理）可以决定处罚（VI-9）。"),
            code="penalty_not_authorized",
        )
    covenant = selectors.settings_for_site(case.site_id).covenant_allows_cutoff
    form = DecisionForm(
        request.POST,
        kinds=_decision_kinds(case, covenant),
        notices=selectors.cutoff_notices_of(case),
    )
    return _submit(
        request,
        case,
        "decision",
        form,
        lambda d: services.penalty_decide(
            case=case,
            kind=d["kind"],
            details=d["details"],
            amount=d["amount"],
            committee_support=d["committee_support"],
            notice=d["notice"],
            out_of_order_reason=d["out_of_order_reason"],
            actor=request.user,
        ),
        _("处罚决定已签发生效。"),
    )


@staff_required(roles.CS_DESK)
@require_POST
def document_add(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.get_case_for_user(request.user, pk)
    covenant = selectors.settings_for_site(case.site_id).covenant_allows_cutoff
    form = DocumentForm(request.POST, kinds=_document_kinds(covenant))
    return _submit(
        request,
        case,
        "document",
        form,
        lambda d: services.document_issue(
            case=case,
            kind=d["kind"],
            addressee=d["addressee"],
            content=d["content"],
            scheduled_for=d["scheduled_for"],
            actor=request.user,
        ),
        _("文书已签发并登记。"),
    )


@staff_required(roles.SUPERVISORS)
@require_POST
def case_upgrade(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.get_case_for_user(request.user, pk)
    return _submit(
        request,
        case,
        "upgrade",
        UpgradeForm(request.POST),
        lambda d: services.case_upgrade(
            case=case,
            causes_loss=d["causes_loss"],
            endangers_safety=d["endangers_safety"],
            reason=d["reason"],
            actor=request.user,
        ),
        _("已升级为重大违章，保存期限改为 5 年，并已转管理处经理。"),
    )


@staff_required(roles.SUPERVISORS)
@require_POST
def case_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.get_case_for_user(request.user, pk)
    return _submit(
        request,
        case,
        "resolve",
        ResolveForm(request.POST),
        lambda d: services.case_resolve(case=case, resolution=d["resolution"], actor=request.user),
        _("案件已办结。"),
    )


@staff_required(roles.ALL_STAFF)
@require_POST
def evidence_upload(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.get_case_for_user(request.user, pk)
    form = EvidenceForm(request.POST, request.FILES)
    return _submit(
        request,
        case,
        "evidence",
        form,
        lambda d: services.evidence_add(
            case=case, upload=d["file"], name=d["file"].name, actor=request.user
        ),
        _("证据已上传。"),
    )


def _simple_post(
    request: HttpRequest, case: ViolationCase, run: Callable[[], Any], success: str
) -> HttpResponse:
    """For the one-field forms inside tables: refusals come back as a message."""
    try:
        run()
    except DeskError as exc:
        if isinstance(exc, PermissionDenied | NotFound):
            raise
        messages.error(request, exc.detail)
    else:
        messages.success(request, success)
    return redirect("violations:case_detail", pk=case.pk)


@staff_required(roles.CS_DESK)
@require_POST
def cutoff_visit(request: HttpRequest, measure_pk: int) -> HttpResponse:
    measure = selectors.get_measure_for_user(request.user, measure_pk)
    form = VisitForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    return _simple_post(
        request,
        measure.case,
        lambda: services.cutoff_visit_log(measure=measure, note=note, actor=request.user),
        _("已登记上门告知。"),
    )


@staff_required(roles.CS_DESK)
@require_POST
def cutoff_execute(request: HttpRequest, measure_pk: int) -> HttpResponse:
    measure = selectors.get_measure_for_user(request.user, measure_pk)
    return _simple_post(
        request,
        measure.case,
        lambda: services.cutoff_execute(measure=measure, actor=request.user),
        _("已执行停水停电；办结时将自动生成恢复任务。"),
    )


@staff_required(roles.CS_DESK)
@require_POST
def task_done(request: HttpRequest, task_pk: int) -> HttpResponse:
    task = selectors.get_task_for_user(request.user, task_pk)
    form = TaskForm(request.POST)
    data = form.cleaned_data if form.is_valid() else {"result": "", "note": ""}
    return _simple_post(
        request,
        task.case,
        lambda: services.task_complete(
            task=task, result=data["result"], note=data["note"], actor=request.user
        ),
        _("任务已完成。"),
    )


@staff_required(roles.ALL_STAFF)
@require_GET
def evidence_file(request: HttpRequest, evidence_pk: int) -> HttpResponse:
    """Send an evidence file after the site check; never a public URL.

    Files are at most settings.UPLOAD_MAX_BYTES, so they are read whole."""
    item = selectors.get_evidence_for_user(request.user, evidence_pk)
    path: Path = files.media_path(item.path)
    if not path.is_file():
        raise NotFound()
    response = HttpResponse(path.read_bytes(), content_type=item.content_type)
    response["Content-Disposition"] = f'inline; filename="evidence-{item.pk}.{path.suffix[1:]}"'
    response["Cache-Control"] = "private, max-age=3600"
    return response


# --- printable forms and registers ----------------------------------------------------------


PRINT_TEMPLATES = {
    DocumentKind.COORDINATION_SLIP: "violations/print_slip.html",
    DocumentKind.RECTIFICATION_NOTICE: "violations/print_notice.html",
    DocumentKind.CUTOFF_NOTICE: "violations/print_notice.html",
}


@staff_required(roles.ALL_STAFF)
@require_GET
def document_print(request: HttpRequest, pk: int) -> HttpResponse:
    document = selectors.get_document_for_user(request.user, pk)
    return render(
        request,
        PRINT_TEMPLATES[DocumentKind(document.kind)],
        {"document": document, "case": document.case, "site": document.site},
    )


@staff_required(roles.ALL_STAFF)
@require_GET
def register(request: HttpRequest) -> HttpResponse:
    """《协调单登记表》 (issued forms) and 《住户违章事件记录表》 (registered cases) by month."""
    book = "cases" if request.GET.get("book") == "cases" else "documents"
    sites = org_selectors.sites_for_user(request.user)
    site_param = request.GET.get("site", "")
    site_id = int(site_param) if site_param.isdigit() else None
    month = parse_month(request.GET.get("month"), clock.today().replace(day=1))
    kind = request.GET.get("kind", "")
    if kind not in DocumentKind.values:
        kind = ""
    if book == "cases":
        rows: Any = selectors.register_cases_for_user(request.user, site_id=site_id, month=month)
    else:
        rows = selectors.documents_for_user(request.user, site_id=site_id, kind=kind, month=month)
    page = Paginator(rows, PAGE_SIZE * 2).get_page(request.GET.get("page"))
    return render(
        request,
        "violations/register.html",
        {
            "book": book,
            "page": page,
            "sites": sites,
            "site_id": site_id,
            "month": month,
            "kind": kind,
            "document_kinds": DocumentKind.choices,
        },
    )


# --- finance and settings --------------------------------------------------------------------


@staff_required(rules.FINANCE_ROLES)
@require_http_methods(["GET", "POST"])
def finance(request: HttpRequest) -> HttpResponse:
    """VI-10: preview a month's charges, export them for finance, list the kept copies."""
    sites = org_selectors.sites_for_user(request.user, rules.FINANCE_ROLES)
    last_month = (clock.today().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    if request.method == "POST":
        form = FinanceExportForm(request.POST, sites=sites)
        if form.is_valid():
            try:
                export = services.finance_export_create(
                    site=form.cleaned_data["site"],
                    month=form.cleaned_data["month"],
                    actor=request.user,
                )
            except DeskError as exc:
                if isinstance(exc, PermissionDenied | NotFound):
                    raise
                form.add_error(None, exc.detail)
            else:
                messages.success(
                    request,
                    _("已导出 %(month)s 收费明细 %(rows)d 笔，合计 %(total)s 元，副本已留存。")
                    % {
                        "month": f"{export.month:%Y-%m}",
                        "rows": export.rows,
                        "total": export.total,
                    },
                )
                return redirect(f"{request.path}?site={export.site_id}&month={export.month:%Y-%m}")
        site = form.cleaned_data.get("site") if form.is_bound and form.is_valid() else None
        month = last_month
    else:
        site_param = request.GET.get("site", "")
        site = sites.filter(pk=int(site_param)).first() if site_param.isdigit() else None
        site = site or sites.first()
        month = parse_month(request.GET.get("month"), last_month)
        form = FinanceExportForm(initial={"site": site, "month": f"{month:%Y-%m}"}, sites=sites)
    charges = list(selectors.charges_for_month(site=site, month=month)) if site else []
    exports = selectors.exports_for_site_ids([s.pk for s in sites])[:24]
    return render(
        request,
        "violations/finance.html",
        {
            "form": form,
            "site": site,
            "month": month,
            "charges": charges,
            "total": selectors.charges_total(charges),
            "exports": exports,
        },
        status=400 if request.method == "POST" else 200,
    )


@staff_required(rules.FINANCE_ROLES)
@require_GET
def finance_download(request: HttpRequest, pk: int) -> HttpResponse:
    export = selectors.get_export_for_user(request.user, pk, rules.FINANCE_ROLES)
    path = files.media_path(export.path)
    if not path.is_file():
        raise NotFound()
    response = HttpResponse(
        path.read_bytes(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    return response


@staff_required(frozenset({Role.SITE_MANAGER}))
@require_http_methods(["GET", "POST"])
def settings_page(request: HttpRequest) -> HttpResponse:
    sites = org_selectors.sites_for_user(request.user, frozenset({Role.SITE_MANAGER}))
    site_param = request.POST.get("site") or request.GET.get("site", "")
    site = sites.filter(pk=int(site_param)).first() if site_param.isdigit() else None
    site = site or sites.first()
    if site is None:
        raise NotFound()
    current = selectors.settings_for_site(site.pk)
    initial = {
        "covenant_allows_cutoff": current.covenant_allows_cutoff,
        "penalty_roles": [r for r in current.penalty_roles if r != Role.SITE_MANAGER],
        "cutoff_notice_days": current.cutoff_notice_days,
        "cutoff_visit_minutes": current.cutoff_visit_minutes,
        "relations_followup_days": current.relations_followup_days,
    }
    form = SettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.settings_update(site=site, actor=request.user, **form.cleaned_data)
        except DeskError as exc:
            if isinstance(exc, PermissionDenied | NotFound):
                raise
            form.add_error(None, exc.detail)
        else:
            messages.success(request, _("设置已保存。"))
            return redirect(f"{request.path}?site={site.pk}")
    return render(
        request,
        "violations/settings.html",
        {"form": form, "site": site, "sites": sites},
        status=400 if request.method == "POST" else 200,
    )
