"""Dispatcher pages: the board with live countdowns, follow-ups, the Monday review."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from estatedesk.core import clock
from estatedesk.core.errors import DeskError, NotFound
from estatedesk.dispatch import selectors, services
from estatedesk.dispatch.enums import FollowUpKind
from estatedesk.dispatch.forms import AssessForm, BoardFilterForm, ConfirmForm, FollowUpForm
from estatedesk.dispatch.models import ReviewItem
from estatedesk.org import roles
from estatedesk.org.models import Site
from estatedesk.sla import selectors as sla_selectors
from estatedesk.sla.models import SlaPolicy
from estatedesk.tickets.enums import TicketKind, TicketState
from estatedesk.tickets.models import Ticket
from estatedesk.web.decorators import staff_required

REVIEW_ROLES = roles.DISPATCHERS | roles.MANAGERS
SUMMARY_DAYS = 7


def _query_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def _mark_rows(rows: list[Ticket], now: dt.datetime, next_url: str) -> None:
    """Amber once the next clock's warning time has passed, red after its deadline. Labels
    and links are set here, once per page, not per row in the template: the board is the
    page dispatchers keep open, refreshed every 30 s (W2 in docs/performance.md)."""
    kinds = {value: str(label) for value, label in TicketKind.choices}
    states = {value: str(label) for value, label in TicketState.choices}
    detail = reverse("tickets:detail", args=[0]).replace("/0/", "/{}/")
    followup = reverse("dispatch:followup", args=[0]).replace("/0/", "/{}/")
    back = urlencode({"next": next_url})
    for ticket in rows:
        ticket.kind_label = kinds.get(ticket.kind, ticket.kind)  # type: ignore[attr-defined]
        ticket.state_label = states.get(ticket.state, ticket.state)  # type: ignore[attr-defined]
        ticket.detail_url = detail.format(ticket.pk)  # type: ignore[attr-defined]
        base = followup.format(ticket.pk)
        ticket.ds3_url = f"{base}?which=ds3&{back}"  # type: ignore[attr-defined]
        ticket.ds4_url = f"{base}?which=ds4&{back}"  # type: ignore[attr-defined]
        nxt = getattr(ticket, "next_clock", None)
        due = ticket.next_due_at
        if due is not None and due <= now:
            ticket.row_class = "row-red"  # type: ignore[attr-defined]
        elif nxt is not None and nxt.warn_at is not None and nxt.warn_at <= now:
            ticket.row_class = "row-amber"  # type: ignore[attr-defined]
        else:
            ticket.row_class = ""  # type: ignore[attr-defined]


@staff_required(selectors.BOARD_ROLES)
def board(request: HttpRequest) -> HttpResponse:
    """All open tickets of the user's sites by next due time; htmx refreshes the rows every
    30 s (the same URL answers an htmx request with the partial only)."""
    site_ids = selectors.board_site_ids(request.user)
    form = BoardFilterForm(request.GET or None, site_ids=site_ids)
    filters = form.filters()
    paginator = Paginator(selectors.board_rows(request.user, filters), selectors.PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    rows = list(page.object_list)
    selectors.attach_next_clocks(rows)
    now = clock.now()
    _mark_rows(rows, now, request.get_full_path())
    context: dict[str, Any] = {
        "form": form,
        "page": page,
        "rows": rows,
        "query": _query_without_page(request),
        "now": now,
        "may_follow_up": bool(roles.site_ids_with(request.user, roles.DISPATCHERS)),
        "followup_kinds": FollowUpKind.choices,
        "next_url": request.get_full_path(),
    }
    if getattr(request, "htmx", False):
        return render(request, "dispatch/_board.html", context)
    context["counts"] = selectors.board_counts(site_ids, now)
    summary = sla_selectors.timeliness(
        site_ids, now - dt.timedelta(days=SUMMARY_DAYS), now, group_by=("rule", "kind")
    )
    names = dict(SlaPolicy.objects.filter(site__isnull=True).values_list("clock_kind", "name"))
    for row in summary:
        row["name"] = names.get(row["kind"], row["kind"])
    context["summary"] = summary
    context["summary_days"] = SUMMARY_DAYS
    return render(request, "dispatch/board.html", context)


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _ticket_for_dispatcher(user: Any, ticket_id: int) -> Ticket:
    ticket = (
        Ticket.objects.select_related("site", "department", "assignee")
        .filter(pk=ticket_id, site_id__in=roles.site_ids_with(user, roles.DISPATCHERS))
        .first()
    )
    if ticket is None:
        raise NotFound()
    return ticket


@staff_required(roles.DISPATCHERS)
def followup(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """DS-3 / DS-4: record a follow-up; a bad input comes back with everything typed kept."""
    ticket = _ticket_for_dispatcher(request.user, ticket_id)
    board_url = reverse("dispatch:board")
    if request.method == "POST":
        form = FollowUpForm(request.POST)
        if form.is_valid():
            try:
                services.followup_record(
                    ticket_id=ticket.pk,
                    which=form.cleaned_data["which"],
                    arranged=form.cleaned_data["arranged"],
                    note=form.cleaned_data["note"],
                    actor=request.user,
                )
            except DeskError as exc:
                form.add_error(None, exc.detail)
            else:
                messages.success(
                    request, _("已记录 %(number)s 的跟进。") % {"number": ticket.number}
                )
                return redirect(_safe_next(request, board_url))
    else:
        running = set(
            sla_selectors.clocks_of(ticket)
            .filter(met_at__isnull=True, cancelled_at__isnull=True)
            .values_list("kind", flat=True)
        )
        which = request.GET.get("which", "")
        if which not in FollowUpKind.values:
            which = FollowUpKind.DS3 if "followup_first" in running else FollowUpKind.DS4
        form = FollowUpForm(initial={"which": which})
    return render(
        request,
        "dispatch/followup.html",
        {
            "ticket": ticket,
            "form": form,
            "clocks": list(sla_selectors.clocks_of(ticket)),
            "followups": list(selectors.followups_of(ticket)),
            "next_url": _safe_next(request, board_url),
        },
        status=400 if request.method == "POST" else 200,
    )


@staff_required(REVIEW_ROLES)
def review_list(request: HttpRequest) -> HttpResponse:
    """DS-6: the weekly reviews of the user's sites, newest first."""
    paginator = Paginator(selectors.reviews_for(request.user), 20)
    page = paginator.get_page(request.GET.get("page"))
    dispatcher_sites = Site.objects.filter(
        pk__in=roles.site_ids_with(request.user, roles.DISPATCHERS)
    ).order_by("code")
    return render(
        request,
        "dispatch/reviews.html",
        {
            "page": page,
            "query": "",
            "open_sites": dispatcher_sites,
            "last_week": services.last_week_monday(clock.today()),
        },
    )


@require_POST
@staff_required(roles.DISPATCHERS)
def review_open(request: HttpRequest) -> HttpResponse:
    try:
        site_id = int(request.POST.get("site", ""))
    except ValueError:
        messages.error(request, _("请选择管理处。"))
        return redirect("dispatch:reviews")
    review = services.review_open(site_id=site_id, actor=request.user)
    return redirect("dispatch:review", pk=review.pk)


@staff_required(REVIEW_ROLES)
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    review = selectors.get_review_for_user(request.user, pk)
    items = list(selectors.review_items(review))
    return render(request, "dispatch/review.html", _review_context(request, review, items))


def _review_context(
    request: HttpRequest,
    review: Any,
    items: list[ReviewItem],
    errors: dict[int, Any] | None = None,
) -> dict[str, Any]:
    errors = errors or {}
    for item in items:
        item.assess_form = errors.get(item.pk, {}).get("assess") or AssessForm(  # type: ignore[attr-defined]
            initial={"verdict": item.verdict, "note": item.note}, prefix=f"i{item.pk}"
        )
        item.confirm_form = errors.get(item.pk, {}).get("confirm") or ConfirmForm(  # type: ignore[attr-defined]
            prefix=f"c{item.pk}"
        )
    return {
        "review": review,
        "items": items,
        "is_dispatcher": roles.has_role(request.user, review.site_id, roles.DISPATCHERS),
        "is_manager": roles.has_role(request.user, review.site_id, services.SITE_MANAGERS),
    }


def _item_for_user(user: Any, item_id: int) -> ReviewItem:
    item = ReviewItem.objects.filter(
        pk=item_id, review__site_id__in=roles.site_ids_with(user, REVIEW_ROLES)
    ).first()
    if item is None:
        raise NotFound()
    return item


def _item_post(request: HttpRequest, item_id: int, kind: str) -> HttpResponse:
    item = _item_for_user(request.user, item_id)
    review = selectors.get_review_for_user(request.user, item.review_id)
    if kind == "assess":
        form: Any = AssessForm(request.POST, prefix=f"i{item.pk}")
    else:
        form = ConfirmForm(request.POST, prefix=f"c{item.pk}")
    if form.is_valid():
        try:
            if kind == "assess":
                services.review_item_assess(
                    item_id=item.pk,
                    verdict=form.cleaned_data["verdict"],
                    note=form.cleaned_data["note"],
                    actor=request.user,
                )
            else:
                services.review_item_confirm(
                    item_id=item.pk,
                    new_approach=form.cleaned_data["new_approach"],
                    actor=request.user,
                )
        except DeskError as exc:
            form.add_error(None, exc.detail)
        else:
            messages.success(request, _("已保存。"))
            return redirect(f"{reverse('dispatch:review', args=[review.pk])}#item-{item.pk}")
    items = list(selectors.review_items(review))
    context = _review_context(request, review, items, {item.pk: {kind: form}})
    return render(request, "dispatch/review.html", context, status=400)


@require_POST
@staff_required(roles.DISPATCHERS)
def item_assess(request: HttpRequest, item_id: int) -> HttpResponse:
    return _item_post(request, item_id, "assess")


@require_POST
@staff_required(frozenset(services.SITE_MANAGERS))
def item_confirm(request: HttpRequest, item_id: int) -> HttpResponse:
    return _item_post(request, item_id, "confirm")


@require_POST
@staff_required(roles.DISPATCHERS)
def review_complete(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services.review_complete(review_id=pk, actor=request.user)
    except DeskError as exc:
        if exc.status == 404:
            raise
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("本周回顾已完成。"))
    return redirect("dispatch:review", pk=pk)
