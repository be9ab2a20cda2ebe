"""RP-1 weekly complaint statistics every Saturday to the site manager (a job: once per site
and Saturday, catching up); DS-7 the manager's weekly quality check; DS-7 / RP-2 the monthly
summary written by the dispatcher, commented on and signed by the site manager."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine

from estatedesk.complaints import jobs, services
from estatedesk.complaints.enums import QualityConclusion, Severity, SummaryState, TellVia
from estatedesk.complaints.models import MonthlyComplaintSummary, WeeklyComplaintReport
from estatedesk.complaints.tests.conftest import local
from estatedesk.core.errors import Conflict, PermissionDenied, TransitionNotAllowed
from estatedesk.notify.models import Notification

pytestmark = pytest.mark.django_db


def run_weekly(at: dt.datetime) -> int:
    with time_machine.travel(at, tick=False):
        return jobs.generate_weekly_reports(now=at)


def test_weekly_report_generated_once_on_saturday_and_delivered_to_the_manager_rp1(
    site: Any, make_complaint: Any, manager: Any, other_site: Any
) -> None:
    with time_machine.travel(local(2026, 11, 16, 10, 0), tick=False):
        make_complaint(severity=Severity.IMPORTANT)
    with time_machine.travel(local(2026, 11, 18, 10, 0), tick=False):
        make_complaint(validity="invalid", invalid_reason="无理要求", department_id=None)
    # Friday: only last Saturday's (catching up), not this week's yet
    assert run_weekly(local(2026, 11, 20, 23, 0)) == 2  # both sites
    assert run_weekly(local(2026, 11, 20, 23, 30)) == 0
    assert set(WeeklyComplaintReport.objects.values_list("saturday", flat=True)) == {
        dt.date(2026, 11, 14)
    }
    assert run_weekly(local(2026, 11, 21, 0, 5)) == 2
    assert run_weekly(local(2026, 11, 21, 12, 0)) == 0
    assert run_weekly(local(2026, 11, 22, 9, 0)) == 0  # Sunday: nothing new
    report = WeeklyComplaintReport.objects.get(site=site, saturday=dt.date(2026, 11, 21))
    assert (report.period_start, report.period_end) == (
        local(2026, 11, 14, 0, 0),
        local(2026, 11, 21, 0, 0),
    )
    figures = report.figures
    assert figures["total"] == 2
    assert figures["by_severity"] == {"major": 0, "important": 1, "minor": 1}
    assert figures["by_validity"] == {"valid": 1, "invalid": 1}
    assert figures["by_department"] == [{"name": "工程维修部", "count": 1}]
    assert report.analysis[0] == "本周共受理投诉 2 宗（上周 0 宗）。"
    assert report.delivered_at == local(2026, 11, 21, 0, 5)
    assert report.recipients == ["site_manager"]
    notices = Notification.objects.filter(topic="complaints.weekly_report", user=manager)
    assert sorted(n.title for n in notices) == [
        "投诉周报（2026-11-07 至 2026-11-13）",
        "投诉周报（2026-11-14 至 2026-11-20）",
    ]


def test_weekly_timeliness_counts_missed_and_met_clocks_ds9(
    site: Any, make_complaint: Any, plumber: Any
) -> None:
    with time_machine.travel(local(2026, 11, 16, 10, 0), tick=False):
        late = make_complaint()  # the form is never signed: CP-6 missed
    with time_machine.travel(local(2026, 11, 17, 10, 0), tick=False):
        on_time = make_complaint(description="另一件事", department_id=late.department_id)
        services.complaint_sign(complaint_id=on_time.pk, actor=plumber)
    with time_machine.travel(local(2026, 11, 21, 1, 0), tick=False):
        report = services.weekly_report_generate(
            site=site, saturday=dt.date(2026, 11, 21), now=local(2026, 11, 21, 1, 0)
        )
    assert report is not None
    # due in the week: 2 form-sign clocks (one met, one missed) and 2 minor handling clocks
    # (due 11-18 and 11-19, open past due)
    assert report.figures["timeliness"] == {"met": 1, "missed": 3, "rate": 25.0}


def test_only_the_site_manager_records_the_weekly_quality_check_ds7(
    site: Any, make_complaint: Any, manager: Any, supervisor: Any
) -> None:
    with time_machine.travel(local(2026, 11, 18, 10, 0), tick=False):
        complaint = make_complaint()
    report = services.weekly_report_generate(
        site=site, saturday=dt.date(2026, 11, 21), now=local(2026, 11, 21, 1, 0)
    )
    assert report is not None
    with pytest.raises(PermissionDenied):
        services.quality_check_record(
            report_id=report.pk, actor=supervisor, conclusion="good", findings="良好"
        )
    check = services.quality_check_record(
        report_id=report.pk,
        actor=manager,
        conclusion=QualityConclusion.NEEDS_IMPROVEMENT,
        findings="签收不及时",
        actions="部门主管每日查看待签收",
        complaint_ids=[complaint.pk],
    )
    assert list(check.complaints.all()) == [complaint]
    with pytest.raises(Conflict):
        services.quality_check_record(
            report_id=report.pk, actor=manager, conclusion="good", findings="再记一次"
        )


def test_monthly_summary_drafted_written_by_dispatcher_signed_by_manager_ds7_rp2(
    site: Any, make_complaint: Any, plumber: Any, assistant: Any, dispatcher: Any, manager: Any
) -> None:
    with time_machine.travel(local(2026, 10, 20, 10, 0), tick=False):
        complaint = make_complaint()
        services.complaint_sign(complaint_id=complaint.pk, actor=plumber)
        services.complaint_handle(complaint_id=complaint.pk, actor=plumber, handling="已处理")
        services.complaint_form_return(complaint_id=complaint.pk, actor=assistant)
        services.complaint_tell(
            complaint_id=complaint.pk, actor=assistant, via=TellVia.PHONE, note="已告知"
        )
    at = local(2026, 11, 1, 0, 30)
    with time_machine.travel(at, tick=False):
        assert jobs.generate_monthly_summaries(now=at) == 1
        assert jobs.generate_monthly_summaries(now=at) == 0
    summary = MonthlyComplaintSummary.objects.get(site=site)
    assert (summary.month, summary.state) == (dt.date(2026, 10, 1), SummaryState.DRAFT)
    [row] = summary.figures["rows"]
    assert (row["number"], row["handling"], row["stage"]) == (
        complaint.ticket.number,
        "已处理",
        "told",
    )
    assert Notification.objects.filter(topic="complaints.monthly_summary", user=dispatcher).exists()
    with pytest.raises(TransitionNotAllowed):
        services.monthly_summary_sign(summary_id=summary.pk, actor=manager, comment="同意")
    with pytest.raises(PermissionDenied):
        services.monthly_summary_submit(summary_id=summary.pk, actor=assistant, text="总结")
    services.monthly_summary_submit(
        summary_id=summary.pk, actor=dispatcher, text="本月投诉 1 宗，已全部办结。"
    )
    with pytest.raises(PermissionDenied):
        services.monthly_summary_sign(summary_id=summary.pk, actor=dispatcher, comment="同意")
    summary.refresh_from_db()
    assert summary.state == SummaryState.SUBMITTED
    with time_machine.travel(local(2026, 11, 3, 9, 0), tick=False):
        services.monthly_summary_sign(
            summary_id=summary.pk, actor=manager, comment="处理及时，继续保持。"
        )
    summary.refresh_from_db()
    assert (summary.state, summary.signed_by, summary.signed_at, summary.manager_comment) == (
        SummaryState.SIGNED,
        manager,
        local(2026, 11, 3, 9, 0),
        "处理及时，继续保持。",
    )
    with pytest.raises(TransitionNotAllowed):
        services.monthly_summary_submit(summary_id=summary.pk, actor=dispatcher, text="改")
