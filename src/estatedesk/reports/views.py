"""Report pages: the dashboard (RP-5, DS-9), staff figures (RP-7), the exception report
(RP-4), the quarterly review pack (RP-3), surveys (RP-6), training (RP-8) and records (RT-1..3).

Every page checks the role (``staff_required``) and then the site (``selectors.scope_for`` or a
``get_<noun>_for_user`` selector: another site is 404). Views parse input, call one selector
or service and render."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from estatedesk.core import clock
from estatedesk.core.errors import DeskError, NotFound
from estatedesk.org import roles
from estatedesk.org.models import Membership
from estatedesk.portal.models import Suggestion
from estatedesk.reports import exports, figures, kpis, periods, selectors, services
from estatedesk.reports.enums import PeriodKind, Procedure, SurveyState
from estatedesk.reports.forms import (
    ArchiveForm,
    AttendeesForm,
    ExceptionFillForm,
    LegalHoldForm,
    QuestionForm,
    SurveyForm,
    TrainingForm,
    survey_answer_form,
)
from estatedesk.reports.models import SurveyQuestion
from estatedesk.tickets import selectors as ticket_selectors
from estatedesk.web.decorators import staff_required

PACK_EXCEPTION_LIMIT = 500


def _scope_and_period(
    request: HttpRequest, *, allow_company: bool = True, default_kind: str = PeriodKind.MONTH
) -> tuple[selectors.Scope, periods.Period]:
    scope = selectors.scope_for(request.user, request.GET.get("site"), allow_company=allow_company)
    return scope, periods.parse(request.GET, default_kind=default_kind)


def _query(scope: selectors.Scope, period: periods.Period, **extra: Any) -> str:
    return urlencode({"site": scope.key, **period.query(), **extra})


def _picker(
    request: HttpRequest, scope: selectors.Scope, period: periods.Period, *, allow_company: bool
) -> dict[str, Any]:
    """What the period/site picker and the prev/next links need."""
    return {
        "scope": scope,
        "period": period,
        "allow_company": allow_company and len(scope.sites) > 1,
        "period_kinds": PeriodKind.choices,
        "query": _query(scope, period),
        "previous_query": _query(scope, period.previous()),
        "next_query": _query(scope, period.next()),
        "is_current": period.first <= clock.today() <= period.last,
    }


def _heading(scope: selectors.Scope, period: periods.Period) -> list[str]:
    return [
        _("范围：%(s)s") % {"s": scope.label},
        _("周期：%(p)s（%(a)s 至 %(b)s）")
        % {"p": period.label, "a": period.first.isoformat(), "b": period.last.isoformat()},
        _("导出时间：%(t)s") % {"t": clock.localtime().strftime("%Y-%m-%d %H:%M")},
    ]


def _xlsx(book: Any, filename: str) -> HttpResponse:
    response = HttpResponse(content_type=exports.XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    book.save(response)
    return response


# --- dashboard ------------------------------------------------------------------------------


@staff_required(selectors.REPORT_ROLES)
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """RP-5 / DS-9: volume, times, timeliness, satisfaction, backlog, hotspots, recurring."""
    scope, period = _scope_and_period(request)
    ctx = figures.Context(scope.site_ids, period)
    data = figures.dashboard(ctx, company=scope.is_company)
    return render(
        request,
        "reports/dashboard.html",
        {
            **_picker(request, scope, period, allow_company=True),
            "summary": data["summary"],
            "tables": data["tables"],
            "tab": "dashboard",
        },
    )


@staff_required(selectors.REPORT_ROLES)
@require_GET
def export_table(request: HttpRequest, key: str) -> HttpResponse:
    scope, period = _scope_and_period(request)
    table = figures.one_table(figures.Context(scope.site_ids, period), key)
    if table is None:
        raise NotFound()
    book = exports.table_workbook(table, heading=_heading(scope, period))
    return _xlsx(book, f"{key}-{period.first:%Y%m%d}-{period.last:%Y%m%d}.xlsx")


# --- RP-7 staff figures ---------------------------------------------------------------------


@staff_required(selectors.REPORT_ROLES)
@require_GET
def kpi_page(request: HttpRequest) -> HttpResponse:
    scope, period = _scope_and_period(request, allow_company=False)
    return render(
        request,
        "reports/kpis.html",
        {
            **_picker(request, scope, period, allow_company=False),
            "people": kpis.staff(scope.site_ids, period),
            "departments": kpis.departments(scope.site_ids, period),
            "tab": "kpis",
        },
    )


@staff_required(selectors.REPORT_ROLES)
@require_GET
def kpi_export(request: HttpRequest) -> HttpResponse:
    scope, period = _scope_and_period(request, allow_company=False)
    if request.GET.get("which") == "departments":
        table = kpis.as_table(
            kpis.departments(scope.site_ids, period),
            key="kpi_departments",
            title=_("部门考评数据（RP-7）"),
            people=False,
        )
    else:
        table = kpis.as_table(
            kpis.staff(scope.site_ids, period),
            key="kpi_staff",
            title=_("员工考评数据（RP-7）"),
            people=True,
        )
    book = exports.table_workbook(table, heading=_heading(scope, period))
    return _xlsx(book, f"{table.key}-{period.first:%Y%m%d}-{period.last:%Y%m%d}.xlsx")


def _int_or_none(raw: str | None) -> int | None:
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise NotFound() from None


@staff_required(selectors.REPORT_ROLES)
@require_GET
def kpi_drill(request: HttpRequest) -> HttpResponse:
    """The clocks or tickets behind one number of the staff figures."""
    scope, period = _scope_and_period(request, allow_company=False)
    metric = request.GET.get("metric", "")
    if metric not in kpis.METRICS:
        raise NotFound()
    user_id = _int_or_none(request.GET.get("user"))
    unassigned = request.GET.get("department") == "none"
    department_id = None if unassigned else _int_or_none(request.GET.get("department"))
    rows = kpis.drill(
        scope.site_ids,
        period,
        metric,
        user_id=user_id,
        department_id=department_id,
        unassigned=unassigned,
    )
    page = Paginator(rows, selectors.PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    who = ""
    if user_id is not None:
        member = (
            Membership.objects.filter(user_id=user_id, site_id__in=scope.site_ids)
            .select_related("user")
            .first()
        )
        if member is None:
            raise NotFound()
        who = kpis.person_name(member.user)
    return render(
        request,
        "reports/kpi_drill.html",
        {
            **_picker(request, scope, period, allow_company=False),
            "page": page,
            "is_clock": metric in kpis.CLOCK_METRICS,
            "metric_label": kpis.METRICS[metric],
            "who": who,
            "page_query": params.urlencode(),
            "tab": "kpis",
        },
    )


# --- RP-4 exception report ------------------------------------------------------------------


@staff_required(selectors.REPORT_ROLES)
@require_GET
def exception_list(request: HttpRequest) -> HttpResponse:
    scope, period = _scope_and_period(request)
    unfilled = request.GET.get("unfilled") == "1"
    rows = selectors.missed_clocks(scope.site_ids, period, unfilled_only=unfilled)
    page = Paginator(rows, selectors.PAGE_SIZE).get_page(request.GET.get("page"))
    ctx = figures.Context(scope.site_ids, period)
    for item in page.object_list:
        item.kind_name = ctx.clock_name(item.kind)
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "reports/exceptions.html",
        {
            **_picker(request, scope, period, allow_company=True),
            "page": page,
            "unfilled": unfilled,
            "may_fill": bool(roles.site_ids_with(request.user, selectors.EXCEPTION_FILL_ROLES)),
            "page_query": params.urlencode(),
            "tab": "exceptions",
        },
    )


@staff_required(selectors.REPORT_ROLES)
@require_GET
def exception_export(request: HttpRequest) -> HttpResponse:
    scope, period = _scope_and_period(request)
    ctx = figures.Context(scope.site_ids, period)
    rows = []
    for item in selectors.missed_clocks(scope.site_ids, period).iterator(chunk_size=500):
        exception = getattr(item, "exception", None)
        rows.append(
            [
                item.ticket.number,
                item.rule,
                ctx.clock_name(item.kind),
                clock.localtime(item.due_at).strftime("%Y-%m-%d %H:%M"),
                clock.localtime(item.met_at).strftime("%Y-%m-%d %H:%M") if item.met_at else "",
                str(item.ticket.department or ""),
                exception.cause if exception else "",
                exception.corrective_action if exception else "",
                _("已填写") if exception and exception.filled_at else _("未填写"),
            ]
        )
    table = figures.Table(
        "exceptions",
        _("异常报告（RP-4）"),
        [
            _("工单号"),
            _("规程"),
            _("时限"),
            _("截止时间"),
            _("完成时间"),
            _("部门"),
            _("原因"),
            _("纠正措施"),
            _("填写情况"),
        ],
        rows,
    )
    book = exports.table_workbook(table, heading=_heading(scope, period))
    return _xlsx(book, f"exceptions-{period.first:%Y%m%d}-{period.last:%Y%m%d}.xlsx")


@staff_required(selectors.REPORT_ROLES)
@require_http_methods(["GET", "POST"])
def exception_fill(request: HttpRequest, clock_id: int) -> HttpResponse:
    """RP-4: the supervisor records the cause and the corrective action of a missed clock."""
    item = selectors.get_missed_clock_for_user(request.user, clock_id, selectors.REPORT_ROLES)
    exception = getattr(item, "exception", None)
    may_fill = roles.has_role(request.user, item.site_id, selectors.EXCEPTION_FILL_ROLES)
    initial = (
        {"cause": exception.cause, "corrective_action": exception.corrective_action}
        if exception is not None
        else {}
    )
    form = ExceptionFillForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if not may_fill:
            raise NotFound()
        if form.is_valid():
            try:
                services.exception_fill_for_clock(
                    clock_row=item,
                    cause=form.cleaned_data["cause"],
                    corrective_action=form.cleaned_data["corrective_action"],
                    actor=request.user,
                )
            except DeskError as exc:
                form.add_error(None, exc.detail)
            else:
                messages.success(
                    request, _("已记录 %(n)s 的原因和纠正措施。") % {"n": item.ticket.number}
                )
                back = request.POST.get("back", "")
                return redirect(
                    back if back.startswith("/reports/") else reverse("reports:exceptions")
                )
    ctx = figures.Context([item.site_id], periods.make(PeriodKind.MONTH, clock.today()))
    return render(
        request,
        "reports/exception_fill.html",
        {
            "item": item,
            "exception": exception,
            "kind_name": ctx.clock_name(item.kind),
            "form": form,
            "may_fill": may_fill,
            "back": request.GET.get("back") or request.POST.get("back") or "",
            "tab": "exceptions",
        },
    )


# --- RP-3 quarterly review pack ---------------------------------------------------------------


def _quarter_query(scope: selectors.Scope, period: periods.Period) -> str:
    quarter = (period.first.month - 1) // 3 + 1
    return urlencode({"site": scope.key, "year": str(period.first.year), "quarter": str(quarter)})


@staff_required(selectors.REPORT_ROLES)
@require_GET
def pack(request: HttpRequest) -> HttpResponse:
    """RP-3 / RP-5: the quarter's figures, exception report and trends of one site, printable."""
    scope = selectors.scope_for(request.user, request.GET.get("site"), allow_company=False)
    today = clock.today()
    try:
        year = int(request.GET.get("year") or today.year)
        number = int(request.GET.get("quarter") or (today.month - 1) // 3 + 1)
    except ValueError:
        raise NotFound() from None
    period = periods.quarter(year, number)
    previous = period.previous()
    ctx = figures.Context(scope.site_ids, period)
    data = figures.dashboard(ctx, company=False)
    exceptions = list(selectors.missed_clocks(scope.site_ids, period)[: PACK_EXCEPTION_LIMIT + 1])
    for item in exceptions:
        item.kind_name = ctx.clock_name(item.kind)  # type: ignore[attr-defined]
    return render(
        request,
        "reports/pack.html",
        {
            "scope": scope,
            "period": period,
            "previous": previous,
            "summary": data["summary"],
            "previous_summary": figures.summary(figures.Context(scope.site_ids, previous)),
            "tables": {t.key: t for t in data["tables"]},
            "compare": figures.compare_kinds(ctx, previous),
            "exceptions": exceptions[:PACK_EXCEPTION_LIMIT],
            "exceptions_truncated": len(exceptions) > PACK_EXCEPTION_LIMIT,
            "previous_query": _quarter_query(scope, previous),
            "next_query": _quarter_query(scope, period.next()),
            "dashboard_query": _query(scope, period),
            "year": year,
            "number": number,
            "tab": "pack",
            "printed_at": clock.localtime(),
        },
    )


# --- RP-6 surveys (staff) --------------------------------------------------------------------


@staff_required(selectors.SURVEY_ROLES)
@require_GET
def survey_list(request: HttpRequest) -> HttpResponse:
    scope = selectors.scope_for(
        request.user, request.GET.get("site"), role_set=selectors.SURVEY_ROLES
    )
    page = Paginator(selectors.surveys_for(scope.site_ids), selectors.PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    suggestions = Suggestion.objects.filter(site_id__in=scope.site_ids)
    return render(
        request,
        "reports/surveys.html",
        {
            "scope": scope,
            "page": page,
            "page_query": urlencode({"site": scope.key}),
            "suggestions_total": suggestions.count(),
            "suggestions_open": suggestions.filter(replied_at__isnull=True).count(),
            "may_open_inbox": bool(roles.site_ids_with(request.user, roles.CS_DESK)),
            "tab": "surveys",
        },
    )


@staff_required(selectors.SURVEY_ROLES)
@require_http_methods(["GET", "POST"])
def survey_new(request: HttpRequest) -> HttpResponse:
    scope = selectors.scope_for(
        request.user,
        request.GET.get("site") or request.POST.get("site"),
        role_set=selectors.SURVEY_ROLES,
        allow_company=False,
    )
    assert scope.site is not None
    form = SurveyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            survey = services.survey_create(
                site=scope.site, actor=request.user, **form.cleaned_data
            )
        except DeskError as exc:
            form.add_error(None, exc.detail)
        else:
            messages.success(request, _("调查已创建，请添加问题后发布。"))
            return redirect("reports:survey", pk=survey.pk)
    return render(
        request, "reports/survey_new.html", {"form": form, "scope": scope, "tab": "surveys"}
    )


@staff_required(selectors.SURVEY_ROLES)
@require_GET
def survey_detail(request: HttpRequest, pk: int) -> HttpResponse:
    survey = selectors.get_survey_for_user(request.user, pk)
    return render(
        request,
        "reports/survey_detail.html",
        {
            "survey": survey,
            "results": selectors.survey_results(survey),
            "question_form": QuestionForm(),
            "is_draft": survey.state == SurveyState.DRAFT,
            "is_open": survey.state == SurveyState.OPEN,
            "answer_url": request.build_absolute_uri(
                reverse("reports:survey_answer", args=[survey.pk])
            ),
            "tab": "surveys",
        },
    )


@staff_required(selectors.SURVEY_ROLES)
@require_POST
def survey_question_add(request: HttpRequest, pk: int) -> HttpResponse:
    survey = selectors.get_survey_for_user(request.user, pk)
    form = QuestionForm(request.POST)
    if form.is_valid():
        try:
            services.survey_question_add(
                survey=survey,
                text=form.cleaned_data["text"],
                kind=form.cleaned_data["kind"],
                choices=form.choice_list(),
                required=form.cleaned_data["required"],
                actor=request.user,
            )
        except DeskError as exc:
            form.add_error(None, exc.detail)
        else:
            messages.success(request, _("问题已添加。"))
            return redirect("reports:survey", pk=survey.pk)
    return render(
        request,
        "reports/survey_detail.html",
        {
            "survey": survey,
            "results": selectors.survey_results(survey),
            "question_form": form,
            "is_draft": survey.state == SurveyState.DRAFT,
            "is_open": survey.state == SurveyState.OPEN,
            "answer_url": request.build_absolute_uri(
                reverse("reports:survey_answer", args=[survey.pk])
            ),
            "tab": "surveys",
        },
        status=400,
    )


@staff_required(selectors.SURVEY_ROLES)
@require_POST
def survey_question_remove(request: HttpRequest, pk: int, question_id: int) -> HttpResponse:
    survey = selectors.get_survey_for_user(request.user, pk)
    question = SurveyQuestion.objects.filter(pk=question_id, survey=survey).first()
    if question is None:
        raise NotFound()
    try:
        services.survey_question_remove(question=question, actor=request.user)
        messages.success(request, _("问题已删除。"))
    except DeskError as exc:
        messages.error(request, exc.detail)
    return redirect("reports:survey", pk=survey.pk)


@staff_required(selectors.SURVEY_ROLES)
@require_POST
def survey_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    survey = selectors.get_survey_for_user(request.user, pk)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = -1
    try:
        services.survey_transition(
            survey=survey, action=action, version=version, actor=request.user
        )
        messages.success(
            request,
            _("调查已发布，系统将逐户发送短信邀请。") if action == "open" else _("调查已结束。"),
        )
    except DeskError as exc:
        messages.error(request, exc.detail)
    return redirect("reports:survey", pk=survey.pk)


# --- RP-6 surveys (residents, phone width) ---------------------------------------------------


def _resident(request: HttpRequest) -> Any:
    """The signed-in resident, the same way the portal authenticates (org.Resident.user)."""
    return ticket_selectors.resident_of(request.user)


@require_GET
def survey_resident_list(request: HttpRequest) -> HttpResponse:
    resident = _resident(request)
    if resident is None:
        return redirect("portal:login")
    request.resident = resident  # type: ignore[attr-defined]
    surveys = list(selectors.open_surveys_for(resident))
    units = selectors.resident_units(resident)
    done = selectors.answered_pairs(surveys, units)
    for survey in surveys:
        survey.all_answered = bool(units) and all(  # type: ignore[attr-defined]
            (survey.pk, u.pk) in done for u in units
        )
    return render(request, "reports/survey_resident_list.html", {"surveys": surveys})


@require_http_methods(["GET", "POST"])
def survey_answer(request: HttpRequest, pk: int) -> HttpResponse:
    """RP-6: a resident answers for their household; once per unit."""
    resident = _resident(request)
    if resident is None:
        return redirect("portal:login")
    request.resident = resident  # type: ignore[attr-defined]
    try:
        survey = selectors.get_survey_for_resident(resident, pk)
    except DeskError as exc:
        return render(request, "portal/error.html", {"detail": exc.detail}, status=exc.status)
    units = selectors.resident_units(resident)
    answered = selectors.answered_units(survey, units)
    pending_units = [u for u in units if u.pk not in answered]
    questions = list(survey.questions.order_by("position"))
    form = survey_answer_form(survey, questions, pending_units, request.POST or None)
    if request.method == "POST" and pending_units and form.is_valid():
        unit_id = int(form.cleaned_data.get("unit") or pending_units[0].pk)
        answers = {q.pk: form.cleaned_data.get(f"q{q.pk}") for q in questions}
        try:
            services.survey_response_submit(
                survey=survey,
                resident=resident,
                unit_id=unit_id,
                answers=answers,
                actor=request.user,
            )
        except DeskError as exc:
            form.add_error(None, exc.detail)
        else:
            messages.success(request, _("提交成功，感谢您的意见！我们会据此改进服务。"))
            return redirect("reports:survey_resident")
    return render(
        request,
        "reports/survey_answer.html",
        {
            "survey": survey,
            "form": form,
            "pending_units": pending_units,
            "answered_units": [u for u in units if u.pk in answered],
        },
        status=400 if request.method == "POST" else 200,
    )


# --- RP-8 training ----------------------------------------------------------------------------


def _staff_choices(site_id: int) -> list[tuple[int, str]]:
    seen: dict[int, str] = {}
    for m in (
        Membership.objects.filter(site_id=site_id, is_active=True, user__is_active=True)
        .select_related("user", "department")
        .order_by("department__kind", "user__username")
    ):
        if m.user_id not in seen:
            name = kpis.person_name(m.user)
            seen[m.user_id] = (
                f"{name}（{m.department.name if m.department else m.get_role_display()}）"
            )
    return list(seen.items())


@staff_required(selectors.TRAINING_ROLES)
@require_GET
def training_list(request: HttpRequest) -> HttpResponse:
    scope = selectors.scope_for(
        request.user, request.GET.get("site"), role_set=selectors.TRAINING_ROLES
    )
    rows = selectors.training_sessions(scope.site_ids)
    procedure = request.GET.get("procedure", "")
    if procedure in Procedure.values:
        rows = rows.filter(procedure=procedure)
    page = Paginator(rows, selectors.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "reports/training.html",
        {
            "scope": scope,
            "page": page,
            "procedures": Procedure.choices,
            "procedure": procedure,
            "page_query": urlencode({"site": scope.key, "procedure": procedure}),
            "tab": "training",
        },
    )


@staff_required(selectors.TRAINING_ROLES)
@require_http_methods(["GET", "POST"])
def training_new(request: HttpRequest) -> HttpResponse:
    scope = selectors.scope_for(
        request.user,
        request.GET.get("site") or request.POST.get("site"),
        role_set=selectors.TRAINING_ROLES,
        allow_company=False,
    )
    assert scope.site is not None
    form = TrainingForm(request.POST or None, staff=_staff_choices(scope.site.pk))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            session = services.training_session_create(
                site=scope.site,
                procedure=data["procedure"],
                topic=data["topic"],
                held_on=data["held_on"],
                hours=data["hours"],
                trainer=data["trainer"],
                notes=data["notes"],
                attendee_ids=[int(u) for u in data["attendees"]],
                actor=request.user,
            )
        except DeskError as exc:
            form.add_error(None, exc.detail)
        else:
            messages.success(request, _("培训记录已保存。"))
            return redirect("reports:training_detail", pk=session.pk)
    return render(
        request, "reports/training_new.html", {"form": form, "scope": scope, "tab": "training"}
    )


@staff_required(selectors.TRAINING_ROLES)
@require_http_methods(["GET", "POST"])
def training_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.get_training_for_user(request.user, pk)
    attendees = selectors.attendees_of(session)
    form = AttendeesForm(
        request.POST or None,
        staff=_staff_choices(session.site_id),
        initial={"attendees": [str(u.pk) for u in attendees]},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.training_attendees_set(
                session=session,
                attendee_ids=[int(u) for u in form.cleaned_data["attendees"]],
                actor=request.user,
            )
        except DeskError as exc:
            form.add_error(None, exc.detail)
        else:
            messages.success(request, _("参训人员已更新。"))
            return redirect("reports:training_detail", pk=session.pk)
    return render(
        request,
        "reports/training_detail.html",
        {"session": session, "attendees": attendees, "form": form, "tab": "training"},
    )


# --- RT records -------------------------------------------------------------------------------


@staff_required(selectors.REPORT_ROLES)
@require_GET
def records(request: HttpRequest) -> HttpResponse:
    scope = selectors.scope_for(request.user, request.GET.get("site"))
    runs = Paginator(selectors.retention_runs(scope.site_ids), selectors.PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    archive_sites = set(roles.site_ids_with(request.user, selectors.ARCHIVE_ROLES))
    hold_sites = set(roles.site_ids_with(request.user, selectors.HOLD_ROLES))
    return render(
        request,
        "reports/records.html",
        {
            "scope": scope,
            "archives": selectors.register_archives(scope.site_ids)[:20],
            "runs": runs,
            "holds": selectors.held_tickets(scope.site_ids)[:50],
            "archive_sites": archive_sites,
            "may_archive": bool(archive_sites & set(scope.site_ids)) and scope.site is not None,
            "may_hold": bool(hold_sites & set(scope.site_ids)),
            "hold_form": LegalHoldForm(),
            "archive_form": ArchiveForm(initial={"year": clock.today().year - 1}),
            "page_query": urlencode({"site": scope.key}),
            "tab": "records",
        },
    )


@staff_required(selectors.HOLD_ROLES)
@require_POST
def legal_hold(request: HttpRequest) -> HttpResponse:
    form = LegalHoldForm(request.POST)
    target = f"{reverse('reports:records')}?{urlencode({'site': request.POST.get('site', '')})}"
    if not form.is_valid():
        messages.error(request, _("请填写工单号、操作和原因。"))
        return redirect(target)
    try:
        ticket = selectors.get_ticket_by_number_for_user(
            request.user, form.cleaned_data["number"], selectors.HOLD_ROLES
        )
        services.legal_hold_set(
            ticket=ticket,
            hold=form.cleaned_data["hold"],
            reason=form.cleaned_data["reason"],
            actor=request.user,
        )
    except DeskError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(
            request,
            (
                _("%(n)s 已设置法律保全，保存期满也不会删除。")
                if form.cleaned_data["hold"]
                else _("%(n)s 的法律保全已解除。")
            )
            % {"n": ticket.number},
        )
    return redirect(target)


@staff_required(selectors.ARCHIVE_ROLES)
@require_POST
def archive_create(request: HttpRequest) -> HttpResponse:
    scope = selectors.scope_for(
        request.user,
        request.POST.get("site"),
        role_set=selectors.ARCHIVE_ROLES,
        allow_company=False,
    )
    assert scope.site is not None
    form = ArchiveForm(request.POST)
    target = f"{reverse('reports:records')}?{urlencode({'site': scope.key})}"
    if not form.is_valid():
        messages.error(request, _("请填写要归档的年度。"))
        return redirect(target)
    try:
        archive = services.register_archive_create(
            site=scope.site, year=form.cleaned_data["year"], actor=request.user
        )
    except DeskError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(
            request,
            _("%(y)d 年登记表已归档：%(n)d 张工单。")
            % {"y": archive.year, "n": archive.ticket_count},
        )
    return redirect(target)


@staff_required(selectors.ARCHIVE_ROLES)
@require_GET
def archive_download(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    archive = selectors.get_archive_for_user(request.user, pk)
    if fmt == "xlsx":
        path, content_type = archive.xlsx_path, exports.XLSX_TYPE
    elif fmt == "html":
        path, content_type = archive.html_path, "text/html; charset=utf-8"
    else:
        raise NotFound()
    try:
        absolute = exports.media_path(path)
    except ValueError:
        raise NotFound() from None
    if not absolute.exists():
        raise NotFound(_("归档文件不存在，请联系系统管理员。"))
    name = f"register-{archive.site.code}-{archive.year}.{fmt}"
    response = FileResponse(
        absolute.open("rb"), content_type=content_type, as_attachment=fmt == "xlsx", filename=name
    )
    if fmt == "html":
        # The archive is data, never a page of ours: no scripts, no framing.
        response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return cast(HttpResponse, response)
