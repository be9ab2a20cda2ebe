"""The triage page for supervisors: the held-out evaluation table and the model versions."""

from __future__ import annotations

import datetime as dt

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from estatedesk.core import clock
from estatedesk.org import roles
from estatedesk.triage import registry, selectors
from estatedesk.triage.evaluation import TARGETS, meets_targets
from estatedesk.web.decorators import staff_required

PAGE_SIZE = 20
ACCURACY_WEEKS = 12


@staff_required(roles.SUPERVISORS)
def index(request: HttpRequest) -> HttpResponse:
    metrics = selectors.starter_evaluation()
    today = clock.today()
    weeks = selectors.accuracy_by_week(
        roles.site_ids_with(request.user, roles.SUPERVISORS),
        today - dt.timedelta(days=today.weekday() + 7 * (ACCURACY_WEEKS - 1)),
        today,
    )
    models = Paginator(selectors.models_for_user(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "triage/index.html",
        {
            "metrics": metrics,
            "met": meets_targets(metrics),
            "targets": TARGETS,
            "starter_version": registry.starter_version(),
            "current": selectors.current_models_for_user(request.user),
            "models": models,
            "weeks": list(reversed(weeks)),
        },
    )
