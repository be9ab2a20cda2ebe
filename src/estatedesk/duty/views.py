"""Duty pages: the duty log, roster, leave/swaps, on-call list, handover wizard, sign-off and
the printable records. Thin: fetch with an access check, parse a form, call one service."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from estatedesk.core import clock
from estatedesk.core.errors import DeskError, NotFound
from estatedesk.duty import selectors, services
from estatedesk.duty.enums import ChangeState, HandoverState, RosterKind, RosterState
from estatedesk.duty.forms import (
    AnomalyForm,
    ApproveForm,
    CancelForm,
    ChangeRequestForm,
    CloseForm,
    ConfirmForm,
    CorrectionForm,
    CountsForm,
    FillForm,
    HandoverStartForm,
    LogEntryForm,
    LogReadForm,
    OnCallForm,
    OverrideForm,
    RejectForm,
    SignoffForm,
    TakeOverForm,
    parse_day,
    parse_month,
)
from estatedesk.duty.handover_items import collect_shift_activity
from estatedesk.duty.models import Handover, LogSignoff
from estatedesk.org import roles
from estatedesk.org.models import Site
from estatedesk.org.selectors import get_site_for_user, sites_for_user
from estatedesk.web.decorators import staff_required

LOG_ROLES = selectors.LOG_ROLES
SUPERVISORS = selectors.SUPERVISOR_ROLES
PAGE_SIZE = 50
HANDOVER_STEPS = [
    ("counts", gettext_lazy("1. 清点公物")),
    ("log", gettext_lazy("2. 阅读上一班记录")),
    ("items", gettext_lazy("3. 接手未完成事项")),
    ("anomalies", gettext_lazy("4. 区域异常")),
    ("confirm", gettext_lazy("5. 双方确认")),
]


def _site(request: HttpRequest, role_set: frozenset[str]) -> Site:
    """The site chosen by ``?site=`` (or the POSTed one), else the user's first with a role in
    ``role_set``; a site outside the user's is a 404."""
    raw = request.POST.get("site") or request.GET.get("site")
    if raw and raw.isdigit():
        return get_site_for_user(request.user, int(raw), role_set)
    site = sites_for_user(request.user, role_set).first()
    if site is None:
        raise NotFound()
    return site


def _base(request: HttpRequest, site: Site, role_set: frozenset[str]) -> dict[str, Any]:
    return {"site": site, "sites": sites_for_user(request.user, role_set)}


def _back(name: str, site: Site, anchor: str = "", **params: Any) -> HttpResponse:
    query = "&".join([f"site={site.pk}"] + [f"{k}={v}" for k, v in params.items() if v])
    return redirect(f"{reverse(f'duty:{name}')}?{query}{anchor}")


# --- duty log -----------------------------------------------------------------------------


@staff_required(LOG_ROLES)
@require_http_methods(["GET", "POST"])
def log(request: HttpRequest) -> HttpResponse:
    """The duty log of one log day (default: the current one) with the add-entry form."""
    site = _site(request, LOG_ROLES)
    current_day = selectors.log_day_of(site)
    day = parse_day(request.GET.get("day")) or current_day
    form = LogEntryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            entry = services.log_entry_append(
                site=site,
                actor=request.user,
                kind=form.cleaned_data["kind"],
                text=form.cleaned_data["text"],
                occurred_at=form.cleaned_data["occurred_at"],
                important=form.cleaned_data["important"],
                follow_up=form.cleaned_data["follow_up"],
                report_to=form.cleaned_data["report_to"],
            )
            messages.success(request, _("已记录第 %(seq)d 条。") % {"seq": entry.seq})
            return _back("log", site, f"#entry-{entry.seq}")
        except DeskError as exc:
            form.add_error(None, exc.detail)
    bounds = selectors.log_day_bounds(site, day)
    entries = Paginator(
        selectors.log_entries(site, start=bounds.start, end=bounds.end), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    now = clock.now()
    shift = selectors.current_shift(site, now)
    items_shift = shift or bounds
    context = _base(request, site, LOG_ROLES) | {
        "form": form,
        "day": day,
        "is_current": day == current_day,
        "prev_day": day - dt.timedelta(days=1),
        "next_day": day + dt.timedelta(days=1) if day < current_day else None,
        "bounds": bounds,
        "entries": entries,
        "shift": shift,
        "on_duty": selectors.on_duty_now(site, now),
        "open_items": selectors.open_items(site, items_shift) if day == current_day else [],
        "activity": collect_shift_activity(site=site, start=bounds.start, end=min(bounds.end, now)),
        "signoff": LogSignoff.objects.filter(site=site, day=day)
        .select_related("signed_by")
        .first(),
        "open_handover": selectors.open_handover(site),
    }
    return render(request, "duty/log.html", context)


@staff_required(LOG_ROLES)
@require_http_methods(["GET", "POST"])
def entry(request: HttpRequest, pk: int) -> HttpResponse:
    """One entry with its correction and closure, and the forms to correct or close it."""
    item = selectors.get_entry_for_user(request.user, pk)
    action = request.POST.get("action") if request.method == "POST" else None
    correct_form = CorrectionForm(
        request.POST if action == "correct" else None,
        initial={"text": item.text, "follow_up": item.follow_up},
    )
    close_form = CloseForm(request.POST if action == "close" else None)
    try:
        if action == "correct" and correct_form.is_valid():
            new = services.log_entry_correct(
                entry=item,
                actor=request.user,
                text=correct_form.cleaned_data["text"],
                reason=correct_form.cleaned_data["reason"],
                follow_up=correct_form.cleaned_data["follow_up"],
            )
            messages.success(request, _("已追加更正记录第 %(seq)d 条。") % {"seq": new.seq})
            return redirect("duty:entry", pk=new.pk)
        if action == "close" and close_form.is_valid():
            new = services.log_entry_close(
                entry=item, actor=request.user, text=close_form.cleaned_data["text"]
            )
            messages.success(request, _("已办结（第 %(seq)d 条）。") % {"seq": new.seq})
            return redirect("duty:entry", pk=item.pk)
    except DeskError as exc:
        (correct_form if action == "correct" else close_form).add_error(None, exc.detail)
    return render(
        request,
        "duty/entry.html",
        {
            "entry": item,
            "site": item.site,
            "correction": getattr(item, "correction", None),
            "closure": getattr(item, "closure", None),
            "correct_form": correct_form,
            "close_form": close_form,
        },
    )


# --- roster -------------------------------------------------------------------------------


def _roster_params(request: HttpRequest) -> tuple[str, dt.date]:
    data = request.POST if request.method == "POST" else request.GET
    kind = data.get("kind") or RosterKind.CS
    if kind not in RosterKind.values:
        kind = RosterKind.CS
    return kind, parse_month(data.get("month"))


@staff_required(roles.ALL_STAFF)
def roster(request: HttpRequest) -> HttpResponse:
    """The month grid (DT-1, DT-12): everyone reads it, the supervisor edits and publishes."""
    site = _site(request, roles.ALL_STAFF)
    kind, month = _roster_params(request)
    roster_obj, grid = selectors.roster_grid(site=site, kind=kind, month=month)
    can_edit = roles.has_role(request.user, site.pk, SUPERVISORS)
    staff = list(selectors.eligible_staff(site, kind)) if can_edit else []
    context = _base(request, site, roles.ALL_STAFF) | {
        "kind": kind,
        "kinds": RosterKind.choices,
        "month": month,
        "prev_month": (month - dt.timedelta(days=1)).replace(day=1),
        "next_month": selectors.next_month(month),
        "roster": roster_obj,
        "grid": grid,
        "can_edit": can_edit,
        "staff": staff,
        "fill_form": FillForm(staff=selectors.eligible_staff(site, kind)) if can_edit else None,
        "published": roster_obj is not None and roster_obj.state == RosterState.PUBLISHED,
        "uncovered": sum(1 for row in grid if not row.assignments),
    }
    return render(request, "duty/roster.html", context)


def _roster_back(site: Site, kind: str, month: dt.date, anchor: str = "") -> HttpResponse:
    return _back("roster", site, anchor, kind=kind, month=f"{month:%Y-%m}")


@staff_required(SUPERVISORS)
@require_POST
def roster_assign(request: HttpRequest) -> HttpResponse:
    site = _site(request, SUPERVISORS)
    kind, month = _roster_params(request)
    day = parse_day(request.POST.get("day"))
    user = selectors.eligible_staff(site, kind).filter(pk=request.POST.get("user") or 0).first()
    if day is None or user is None:
        messages.error(request, _("请选择日期和值班人员。"))
        return _roster_back(site, kind, month)
    try:
        roster_obj = services.roster_open(site=site, kind=kind, month=month, actor=request.user)
        services.roster_assign(roster=roster_obj, day=day, user=user, actor=request.user)
        messages.success(
            request,
            _("已安排 %(name)s 于 %(day)s 值班。")
            % {"name": selectors.person_name(user), "day": f"{day:%m-%d}"},
        )
    except DeskError as exc:
        messages.error(request, exc.detail)
    return _roster_back(site, kind, month, f"#day-{day.day}")


@staff_required(SUPERVISORS)
@require_POST
def roster_unassign(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = selectors.get_assignment_for_user(request.user, pk, SUPERVISORS)
    try:
        services.roster_unassign(assignment=assignment, actor=request.user)
        messages.success(request, _("已移除。"))
    except DeskError as exc:
        messages.error(request, exc.detail)
    return _roster_back(
        assignment.site, assignment.kind, assignment.roster.month, f"#day-{assignment.day.day}"
    )


@staff_required(SUPERVISORS)
@require_POST
def roster_fill(request: HttpRequest) -> HttpResponse:
    site = _site(request, SUPERVISORS)
    kind, month = _roster_params(request)
    form = FillForm(request.POST, staff=selectors.eligible_staff(site, kind))
    if not form.is_valid():
        messages.error(request, _("请至少选择一名值班人员。"))
        return _roster_back(site, kind, month)
    chosen = {u.pk: u for u in form.cleaned_data["users"]}
    order = [chosen[int(pk)] for pk in request.POST.getlist("users") if int(pk) in chosen]
    try:
        roster_obj = services.roster_open(site=site, kind=kind, month=month, actor=request.user)
        count = services.roster_fill_rotation(roster=roster_obj, users=order, actor=request.user)
        messages.success(request, _("已轮排 %(n)d 个班次。") % {"n": count})
    except DeskError as exc:
        messages.error(request, exc.detail)
    return _roster_back(site, kind, month)


@staff_required(SUPERVISORS)
@require_POST
def roster_publish(request: HttpRequest, pk: int) -> HttpResponse:
    roster_obj = selectors.get_roster_for_user(request.user, pk, SUPERVISORS)
    try:
        services.roster_publish(
            roster=roster_obj, version=int(request.POST.get("version", -1)), actor=request.user
        )
        messages.success(request, _("值班表已发布，已通知排班人员。"))
    except (DeskError, ValueError) as exc:
        messages.error(request, getattr(exc, "detail", _("输入有误。")))
    return _roster_back(roster_obj.site, roster_obj.kind, roster_obj.month)


@staff_required(roles.ALL_STAFF)
def print_roster(request: HttpRequest) -> HttpResponse:
    """《值班安排表》/《保洁员值班表》 on one A4 page."""
    site = _site(request, roles.ALL_STAFF)
    kind, month = _roster_params(request)
    roster_obj, grid = selectors.roster_grid(site=site, kind=kind, month=month)
    return render(
        request,
        "duty/print_roster.html",
        {
            "site": site,
            "kind": kind,
            "kind_label": RosterKind(kind).label,
            "month": month,
            "roster": roster_obj,
            "grid": grid,
        },
    )


# --- leave and swaps ----------------------------------------------------------------------


@staff_required(roles.ALL_STAFF)
def changes(request: HttpRequest) -> HttpResponse:
    """My shifts (to ask for leave or a swap) and the requests I may see (DT-5)."""
    site = _site(request, roles.ALL_STAFF)
    rows = Paginator(selectors.changes_for_user(request.user, site_ids=[site.pk]), 20).get_page(
        request.GET.get("page")
    )
    context = _base(request, site, roles.ALL_STAFF) | {
        "mine": selectors.upcoming_assignments(request.user, site_ids=[site.pk])[:31],
        "rows": rows,
        "is_supervisor": roles.has_role(request.user, site.pk, SUPERVISORS),
        "pending": ChangeState.PENDING,
    }
    return render(request, "duty/changes.html", context)


@staff_required(roles.ALL_STAFF)
@require_http_methods(["GET", "POST"])
def change_request(request: HttpRequest, assignment_id: int) -> HttpResponse:
    assignment = selectors.get_assignment_for_user(request.user, assignment_id)
    if assignment.user_id != request.user.pk:
        raise NotFound()
    staff = selectors.eligible_staff(assignment.site, assignment.kind).exclude(pk=request.user.pk)
    form = ChangeRequestForm(request.POST or None, staff=staff)
    if request.method == "POST" and form.is_valid():
        try:
            services.duty_change_request(
                assignment=assignment,
                kind=form.cleaned_data["kind"],
                reason=form.cleaned_data["reason"],
                substitute=form.cleaned_data["substitute"],
                actor=request.user,
            )
            messages.success(request, _("申请已提交，等待客服中心主管审批；批准前请照常值班。"))
            return _back("changes", assignment.site)
        except DeskError as exc:
            form.add_error(None, exc.detail)
    return render(
        request,
        "duty/change_request.html",
        {"assignment": assignment, "form": form, "site": assignment.site},
    )


@staff_required(roles.ALL_STAFF)
@require_http_methods(["GET", "POST"])
def change(request: HttpRequest, pk: int) -> HttpResponse:
    """One request; the supervisor approves (choosing the substitute) or rejects it."""
    item = selectors.get_change_for_user(request.user, pk)
    staff = selectors.eligible_staff(item.assignment.site, item.assignment.kind).exclude(
        pk=item.assignment.user_id
    )
    action = request.POST.get("action") if request.method == "POST" else None
    approve_form = ApproveForm(
        request.POST if action == "approve" else None,
        staff=staff,
        initial={"version": item.version, "substitute": item.substitute_id},
    )
    reject_form = RejectForm(
        request.POST if action == "reject" else None, initial={"version": item.version}
    )
    try:
        if action == "approve" and approve_form.is_valid():
            services.duty_change_approve(
                change=item,
                version=approve_form.cleaned_data["version"],
                substitute=approve_form.cleaned_data["substitute"],
                note=approve_form.cleaned_data["note"],
                actor=request.user,
            )
            messages.success(request, _("已批准，值班表已更新。"))
            return redirect("duty:change", pk=item.pk)
        if action == "reject" and reject_form.is_valid():
            services.duty_change_reject(
                change=item,
                version=reject_form.cleaned_data["version"],
                note=reject_form.cleaned_data["note"],
                actor=request.user,
            )
            messages.success(request, _("已驳回。"))
            return redirect("duty:change", pk=item.pk)
        if action == "withdraw":
            services.duty_change_withdraw(
                change=item, version=int(request.POST.get("version", -1)), actor=request.user
            )
            messages.success(request, _("已撤回。"))
            return redirect("duty:change", pk=item.pk)
    except DeskError as exc:
        form = reject_form if action == "reject" else approve_form
        form.add_error(None, exc.detail)
        if action == "withdraw":
            messages.error(request, exc.detail)
    return render(
        request,
        "duty/change.html",
        {
            "change": item,
            "site": item.assignment.site,
            "approve_form": approve_form,
            "reject_form": reject_form,
            "is_supervisor": roles.has_role(request.user, item.site_id, SUPERVISORS),
            "is_pending": item.state == ChangeState.PENDING,
        },
    )


# --- on-call list (DT-7) ------------------------------------------------------------------


@staff_required(roles.ALL_STAFF)
@require_http_methods(["GET", "POST"])
def oncall(request: HttpRequest) -> HttpResponse:
    site = _site(request, roles.ALL_STAFF)
    can_edit = roles.has_role(request.user, site.pk, SUPERVISORS)
    form = None
    if can_edit:
        form = OnCallForm(request.POST or None, staff=selectors.site_staff(site))
        if request.method == "POST" and form.is_valid():
            try:
                services.on_call_add(site=site, actor=request.user, **form.cleaned_data)
                messages.success(request, _("已加入值班联络表。"))
                return _back("oncall", site)
            except DeskError as exc:
                form.add_error(None, exc.detail)
    elif request.method == "POST":
        raise NotFound()
    today = clock.today()
    entries = list(selectors.on_call_list(site))
    context = _base(request, site, roles.ALL_STAFF) | {
        "entries": entries,
        "valid_today": {e.pk for e in entries if e.is_valid_on(today)},
        "form": form,
        "can_edit": can_edit,
    }
    return render(request, "duty/oncall.html", context)


@staff_required(SUPERVISORS)
@require_POST
def oncall_remove(request: HttpRequest, pk: int) -> HttpResponse:
    entry_obj = selectors.get_on_call_entry_for_user(request.user, pk)
    try:
        services.on_call_remove(entry=entry_obj, actor=request.user)
        messages.success(request, _("已从值班联络表移除。"))
    except DeskError as exc:
        messages.error(request, exc.detail)
    return _back("oncall", entry_obj.site)


# --- handover (DT-9, DT-10) ---------------------------------------------------------------


@staff_required(LOG_ROLES)
@require_http_methods(["GET", "POST"])
def handover_home(request: HttpRequest) -> HttpResponse:
    """Start (or continue) taking over, and the site's past handovers."""
    site = _site(request, LOG_ROLES)
    current = selectors.open_handover(site)
    mine = selectors.assignment_for_incoming(site, request.user)
    previous = selectors.previous_assignment(mine) if mine is not None else None
    staff = selectors.cs_desk_staff(site).exclude(pk=request.user.pk)
    form = HandoverStartForm(
        request.POST or None,
        staff=staff,
        initial={"outgoing": previous.user_id if previous else None},
    )
    if request.method == "POST" and form.is_valid():
        try:
            handover = services.handover_start(
                site=site, actor=request.user, outgoing=form.cleaned_data["outgoing"]
            )
            return redirect("duty:handover", pk=handover.pk)
        except DeskError as exc:
            form.add_error(None, exc.detail)
    history = Paginator(selectors.handovers(site), 20).get_page(request.GET.get("page"))
    context = _base(request, site, LOG_ROLES) | {
        "current": current,
        "mine": mine,
        "previous": previous,
        "form": form,
        "history": history,
        "shift": selectors.current_shift(site),
    }
    return render(request, "duty/handover_home.html", context)


def _first_open_step(readiness: services.HandoverReadiness) -> str:
    if readiness.uncounted or readiness.unexplained:
        return "counts"
    if readiness.log_unread:
        return "log"
    if readiness.untaken:
        return "items"
    return "confirm"


ACTION_STEP = {
    "counts": "counts",
    "log": "log",
    "refresh": "items",
    "items": "items",
    "anomaly": "anomalies",
    "remove_anomaly": "anomalies",
    "override": "confirm",
    "complete": "confirm",
    "cancel": "confirm",
}


@staff_required(LOG_ROLES)
@require_http_methods(["GET", "POST"])
def handover(request: HttpRequest, pk: int) -> HttpResponse:
    """The handover wizard: one page, one step at a time; every POST names its ``action``.
    A refused action shows the step again with what was typed (passwords excepted)."""
    obj = selectors.get_handover_for_user(request.user, pk)
    step = request.GET.get("step") or ""
    forms: dict[str, Any] = {}
    if request.method == "POST":
        action = request.POST.get("action") or ""
        if action not in ACTION_STEP:
            raise NotFound()
        step = ACTION_STEP[action]
        form = _action_form(action, request.POST, obj)
        if form is None or form.is_valid():
            try:
                return _run_action(request, obj, action, form)
            except DeskError as exc:
                if form is None:
                    messages.error(request, exc.detail)
                    return redirect(f"{reverse('duty:handover', args=[obj.pk])}?step={step}")
                form.add_error(None, exc.detail)
        forms[action] = form
        obj = selectors.get_handover_for_user(request.user, pk)
    return _render_handover(request, obj, step=step, forms=forms)


def _action_form(action: str, data: Any, obj: Handover) -> Any:
    if action == "counts":
        return CountsForm(data, handover=obj)
    if action == "log":
        return LogReadForm(data)
    if action == "items":
        return TakeOverForm(data, lines=list(obj.lines.all()))
    if action == "anomaly":
        return AnomalyForm(data)
    if action == "override":
        return OverrideForm(data)
    if action == "complete":
        return ConfirmForm(data)
    if action == "cancel":
        return CancelForm(data)
    return None


def _version(data: Any) -> int:
    try:
        return int(data.get("version", -1))
    except (TypeError, ValueError):
        return -1


def _run_action(request: HttpRequest, obj: Handover, action: str, form: Any) -> HttpResponse:
    """Call the service of one wizard action and redirect to the next step."""
    user = request.user
    data = form.cleaned_data if form is not None else {}
    here = reverse("duty:handover", args=[obj.pk])
    if action == "counts":
        services.handover_record_counts(
            handover=obj, version=data["version"], counts=form.counts(), actor=user
        )
        note, step = _("公物清点已记录。"), "log"
    elif action == "log":
        services.handover_acknowledge_log(
            handover=obj, version=data["version"], through_seq=data["through_seq"], actor=user
        )
        note, step = _("已确认阅读上一班值班记录。"), "items"
    elif action == "refresh":
        services.handover_refresh_items(handover=obj, version=_version(request.POST), actor=user)
        note, step = _("未完成事项已刷新。"), "items"
    elif action == "items":
        services.handover_take_over(
            handover=obj,
            version=data["version"],
            taken=form.taken(),
            notes=form.notes(),
            actor=user,
        )
        note, step = _("接手事项已记录。"), "anomalies"
    elif action == "anomaly":
        services.handover_add_anomaly(
            handover=obj,
            version=data["version"],
            area=data["area"],
            description=data["description"],
            explanation=data["explanation"],
            actor=user,
        )
        note, step = _("异常情况已记录。"), "anomalies"
    elif action == "remove_anomaly":
        anomaly_id = request.POST.get("anomaly", "")
        services.handover_remove_anomaly(
            handover=obj,
            version=_version(request.POST),
            anomaly_id=int(anomaly_id) if anomaly_id.isdigit() else 0,
            actor=user,
        )
        note, step = _("已删除该条异常记录。"), "anomalies"
    elif action == "override":
        services.handover_override(
            handover=obj, version=data["version"], reason=data["reason"], actor=user
        )
        note, step = _("已授权交班，理由已记录。"), "confirm"
    elif action == "complete":
        services.handover_complete(
            handover=obj,
            version=data["version"],
            outgoing_password=data["outgoing_password"],
            incoming_password=data["incoming_password"],
            actor=user,
        )
        messages.success(request, _("交接班完成，开始值班。"))
        return redirect(here)
    else:  # cancel
        services.handover_cancel(
            handover=obj, version=data["version"], reason=data["reason"], actor=user
        )
        messages.success(request, _("交接班已取消。"))
        return redirect(f"{reverse('duty:handover_home')}?site={obj.site_id}")
    messages.success(request, note)
    return redirect(f"{here}?step={step}")


def _render_handover(
    request: HttpRequest, obj: Handover, *, step: str, forms: dict[str, Any]
) -> HttpResponse:
    lines = list(obj.lines.all())
    readiness = services.handover_readiness(obj, lines)
    if step not in ACTION_STEP.values():
        step = _first_open_step(readiness) if obj.is_open else "confirm"
    initial = {"version": obj.version}
    log_rows = list(selectors.log_entries(obj.site, start=obj.log_from)[:300])
    context = {
        "handover": obj,
        "site": obj.site,
        "step": step,
        "steps": HANDOVER_STEPS,
        "readiness": readiness,
        "lines": lines,
        "counts_form": forms.get("counts") or CountsForm(initial=initial, handover=obj),
        "log_rows": log_rows,
        "latest_seq": selectors.last_seq(obj.site),
        "take_form": forms.get("items") or TakeOverForm(initial=initial, lines=lines),
        "anomalies": list(obj.anomalies.all()),
        "anomaly_form": forms.get("anomaly") or AnomalyForm(initial=initial),
        "override_form": forms.get("override") or OverrideForm(initial=initial),
        "confirm_form": ConfirmForm(initial=initial),
        "confirm_errors": forms["complete"].non_field_errors() if "complete" in forms else [],
        "cancel_form": forms.get("cancel") or CancelForm(initial=initial),
        "is_incoming": obj.incoming_id == request.user.pk,
        "is_supervisor": roles.has_role(request.user, obj.site_id, SUPERVISORS),
        "counts": list(obj.counts.all()),
        "open": obj.state == HandoverState.OPEN,
    }
    return render(request, "duty/handover.html", context)


@staff_required(LOG_ROLES)
def print_handover(request: HttpRequest, pk: int) -> HttpResponse:
    """《交接班记录》 on A4."""
    obj = selectors.get_handover_for_user(request.user, pk)
    return render(
        request,
        "duty/print_handover.html",
        {
            "handover": obj,
            "site": obj.site,
            "counts": list(obj.counts.all()),
            "lines": list(obj.lines.all()),
            "anomalies": list(obj.anomalies.all()),
            "log_rows": list(
                selectors.log_entries(
                    obj.site, start=obj.log_from, end=obj.completed_at or clock.now()
                )
            ),
        },
    )


# --- sign-off (DT-11) and the printable duty record ---------------------------------------


@staff_required(SUPERVISORS)
def signoff(request: HttpRequest) -> HttpResponse:
    site = _site(request, SUPERVISORS)
    context = _base(request, site, SUPERVISORS) | {"rows": selectors.signoff_rows(site)}
    return render(request, "duty/signoff.html", context)


@staff_required(SUPERVISORS)
@require_http_methods(["GET", "POST"])
def signoff_day(request: HttpRequest, day: str) -> HttpResponse:
    site = _site(request, SUPERVISORS)
    the_day = parse_day(day)
    if the_day is None:
        raise NotFound()
    form = SignoffForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.log_signoff(
                site=site, day=the_day, comment=form.cleaned_data["comment"], actor=request.user
            )
            messages.success(
                request, _("已签阅 %(day)s 的值班记录。") % {"day": f"{the_day:%m-%d}"}
            )
            return _back("signoff", site)
        except DeskError as exc:
            form.add_error(None, exc.detail)
    bounds = selectors.log_day_bounds(site, the_day)
    context = _base(request, site, SUPERVISORS) | {
        "day": the_day,
        "bounds": bounds,
        "entries": list(selectors.log_entries(site, start=bounds.start, end=bounds.end)),
        "signed": LogSignoff.objects.filter(site=site, day=the_day)
        .select_related("signed_by")
        .first(),
        "finished": bounds.end <= clock.now(),
        "form": form,
    }
    return render(request, "duty/signoff_day.html", context)


@staff_required(LOG_ROLES)
def print_log(request: HttpRequest, day: str) -> HttpResponse:
    """《值班记录》 of one log day on A4: entries, activity from other apps, handovers and the
    supervisor's signature."""
    site = _site(request, LOG_ROLES)
    the_day = parse_day(day)
    if the_day is None:
        raise NotFound()
    bounds = selectors.log_day_bounds(site, the_day)
    end = min(bounds.end, clock.now())
    return render(
        request,
        "duty/print_log.html",
        {
            "site": site,
            "day": the_day,
            "bounds": bounds,
            "entries": list(selectors.log_entries(site, start=bounds.start, end=bounds.end)),
            "activity": collect_shift_activity(site=site, start=bounds.start, end=end),
            "officers": selectors.published_assignments(site)
            .filter(day=the_day)
            .select_related("user"),
            "handovers": Handover.objects.filter(
                site=site,
                state=HandoverState.COMPLETED,
                completed_at__gte=bounds.start,
                completed_at__lt=bounds.end,
            ).select_related("incoming", "outgoing"),
            "signed": LogSignoff.objects.filter(site=site, day=the_day)
            .select_related("signed_by")
            .first(),
        },
    )
