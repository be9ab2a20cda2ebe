"""Complaint figures of a period for the weekly statistics (RP-1) and the monthly dispatch
summary (DS-7/RP-2): counts by severity, validity, scope and department, upgrades (CP-3),
timeliness of the complaint clocks (DS-9), return-visit satisfaction (CP-9) and corrective
actions (CP-10). A fixed number of queries whatever the period holds."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from django.db.models import Count
from django.utils.translation import gettext as _

from estatedesk.complaints import clocks
from estatedesk.complaints.enums import (
    CapaState,
    Satisfaction,
    Scope,
    Severity,
    Stage,
    Validity,
)
from estatedesk.complaints.models import Complaint, CorrectiveAction, ReturnVisit
from estatedesk.core import clock
from estatedesk.sla.models import Clock
from estatedesk.tickets.enums import ACTIVE_STATES

ROW_TEXT = 120
MAX_ROWS = 500


def _zeroes(values: list[str]) -> dict[str, int]:
    return dict.fromkeys(values, 0)


def _cut(text: str, limit: int = ROW_TEXT) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def period_figures(
    *, site_id: int, start: dt.datetime, end: dt.datetime, with_rows: bool = False
) -> dict[str, Any]:
    """The figures of complaints received in ``[start, end)`` at ``site_id``; JSON-safe."""
    now = clock.now()
    received = list(
        Complaint.objects.filter(site_id=site_id, received_at__gte=start, received_at__lt=end)
        .select_related("ticket", "department", "return_visit")
        .order_by("received_at", "id")
    )
    by_severity = _zeroes(Severity.values)
    by_validity = _zeroes(Validity.values)
    by_scope = _zeroes(Scope.values)
    by_stage = _zeroes(Stage.values)
    departments: Counter[str] = Counter()
    for c in received:
        by_severity[c.severity] += 1
        by_validity[c.validity] += 1
        by_scope[c.scope] += 1
        by_stage[c.stage] += 1
        if c.department is not None:
            departments[c.department.name] += 1

    upgraded = _zeroes(["overdue", "repeated"])
    for reason, count in (
        Complaint.objects.filter(site_id=site_id, upgraded_at__gte=start, upgraded_at__lt=end)
        .values_list("upgrade_reason")
        .annotate(n=Count("id"))
        .order_by()
    ):
        upgraded[reason] = count

    met = missed = 0
    due_rows = (
        Clock.objects.filter(
            site_id=site_id, kind__in=clocks.ALL_KINDS, due_at__gte=start, due_at__lt=end
        )
        .exclude(met_event__in=clocks.SUPERSEDING_EVENTS)
        .values_list("met_at", "due_at", "breached_at", "cancelled_at")
    )
    for met_at, due_at, breached_at, cancelled_at in due_rows:
        if met_at is not None and met_at <= due_at:
            met += 1
        elif (
            met_at is not None
            or breached_at is not None
            or (cancelled_at is None and due_at <= now)
        ):
            # met late, breached, or still open past its due time
            missed += 1

    visits = _zeroes(Satisfaction.values)
    for satisfaction, count in (
        ReturnVisit.objects.filter(site_id=site_id, done_at__gte=start, done_at__lt=end)
        .values_list("satisfaction")
        .annotate(n=Count("id"))
        .order_by()
    ):
        visits[satisfaction] = count

    capa_filed = CorrectiveAction.objects.filter(
        site_id=site_id, filed_at__gte=start, filed_at__lt=end
    ).count()
    capa_closed = CorrectiveAction.objects.filter(
        site_id=site_id, closed_at__gte=start, closed_at__lt=end
    ).count()
    capa_open = (
        CorrectiveAction.objects.filter(site_id=site_id).exclude(state=CapaState.CLOSED).count()
    )
    handled = Complaint.objects.filter(
        site_id=site_id, handled_at__gte=start, handled_at__lt=end
    ).count()
    backlog = (
        Complaint.objects.filter(site_id=site_id, ticket__state__in=ACTIVE_STATES)
        .exclude(stage=Stage.CLOSED)
        .count()
    )
    previous_total = Complaint.objects.filter(
        site_id=site_id, received_at__gte=start - (end - start), received_at__lt=start
    ).count()

    figures: dict[str, Any] = {
        "total": len(received),
        "previous_total": previous_total,
        "by_severity": by_severity,
        "by_validity": by_validity,
        "by_scope": by_scope,
        "by_stage": by_stage,
        "by_department": [
            {"name": name, "count": count}
            for name, count in sorted(departments.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
        "upgraded": upgraded,
        "timeliness": {
            "met": met,
            "missed": missed,
            "rate": round(100 * met / (met + missed), 1) if met + missed else None,
        },
        "handled": handled,
        "visits": visits,
        "capa": {"filed": capa_filed, "closed": capa_closed, "open": capa_open},
        "backlog": backlog,
    }
    if with_rows:
        figures["rows"] = [_row(c) for c in received[:MAX_ROWS]]
    return figures


def _row(c: Complaint) -> dict[str, Any]:
    # a missing reverse one-to-one raises RelatedObjectDoesNotExist, an AttributeError
    visit = getattr(c, "return_visit", None)
    return {
        "id": c.pk,
        "number": c.ticket.number,
        "received_at": clock.localtime(c.received_at).strftime("%m-%d %H:%M"),
        "reporter": c.ticket.reporter_name,
        "severity": c.severity,
        "validity": c.validity,
        "department": c.department.name if c.department else "",
        "person": c.complained_person,
        "what": _cut(c.ticket.description),
        "handling": _cut(c.handling or c.told_note),
        "stage": c.stage,
        "told_at": clock.localtime(c.told_at).strftime("%m-%d %H:%M") if c.told_at else "",
        "satisfaction": visit.satisfaction if visit is not None else "",
    }


def analysis(figures: dict[str, Any], *, period_label: str, previous_label: str) -> list[str]:
    """Plain-language findings for the manager, computed from the figures."""
    total = figures["total"]
    lines = [
        _("%(period)s共受理投诉 %(n)d 宗（%(previous)s %(p)d 宗）。")
        % {
            "period": period_label,
            "n": total,
            "previous": previous_label,
            "p": figures["previous_total"],
        }
    ]
    if total:
        sev = figures["by_severity"]
        val = figures["by_validity"]
        lines.append(
            _(
                "其中重大 %(major)d 宗、重要 %(important)d 宗、轻微 %(minor)d 宗；有效 %(valid)d 宗，无效 %(invalid)d 宗。"
            )
            % {**sev, **val}
        )
        top = figures["by_department"][0] if figures["by_department"] else None
        if top and top["count"] >= 2:
            lines.append(
                _(
                    "被投诉最多的部门：%(name)s（%(count)d 宗），请部门负责人分析原因并制定改进措施。"
                )
                % top
            )
    upgraded = figures["upgraded"]
    if upgraded["overdue"] or upgraded["repeated"]:
        lines.append(
            _(
                "自动升级为重大投诉 %(n)d 宗（逾期未解决 %(overdue)d 宗，重复投诉 %(repeated)d 宗），请重点跟进（CP-3）。"
            )
            % {"n": upgraded["overdue"] + upgraded["repeated"], **upgraded}
        )
    timeliness = figures["timeliness"]
    if timeliness["rate"] is not None:
        lines.append(
            _("投诉各项时限达成率 %(rate)s%%（按时 %(met)d 项，超时 %(missed)d 项）。") % timeliness
        )
    if figures["visits"]["dissatisfied"]:
        lines.append(
            _("回访不满意 %(n)d 宗，须再次跟进处理。") % {"n": figures["visits"]["dissatisfied"]}
        )
    if figures["backlog"]:
        lines.append(_("目前尚有 %(n)d 宗投诉未办结。") % {"n": figures["backlog"]})
    if figures["capa"]["open"]:
        lines.append(
            _("纠正与预防措施未关闭 %(n)d 份，请品质部跟进验证。") % {"n": figures["capa"]["open"]}
        )
    return [str(line) for line in lines]
