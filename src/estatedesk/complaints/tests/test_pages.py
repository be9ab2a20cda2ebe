"""Complaint pages: intake with the reception script (CP-1), list filters and pagination
(constant queries), detail actions, printable forms, reviews; another site's complaint is 404;
personal data masked for roles that may not see it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from estatedesk.complaints import services
from estatedesk.complaints.enums import Severity, Stage, SummaryState
from estatedesk.complaints.models import (
    Complaint,
    ComplaintSettings,
    ExtensionRequest,
    MonthlyComplaintSummary,
)
from estatedesk.complaints.tests.conftest import local
from estatedesk.org.enums import Role
from estatedesk.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def _list_queries(client: Any, count: int) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("complaints:list"))
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == count
    return len(ctx.captured_queries)


def test_list_query_count_is_the_same_for_1_and_20_complaints(
    client: Any, make_complaint: Any, assistant: Any
) -> None:
    make_complaint()
    client.force_login(assistant)
    one = _list_queries(client, 1)
    for n in range(19):
        make_complaint(description=f"第 {n} 件不同的事情", severity=Severity.IMPORTANT)
    twenty = _list_queries(client, 20)
    assert one == twenty


def test_list_filters_by_severity_validity_stage_and_paginates(
    client: Any, site: Any, make_complaint: Any, assistant: Any
) -> None:
    # one resident complains 22 times here: keep CP-3's repeat upgrade out of this test
    ComplaintSettings.objects.create(site=site, repeat_count=100)
    major = make_complaint(severity=Severity.MAJOR)
    for n in range(21):
        make_complaint(description=f"事项 {n}")
    client.force_login(assistant)
    response = client.get(reverse("complaints:list"), {"severity": "major"})
    assert [c.pk for c in response.context["page"].object_list] == [major.pk]
    response = client.get(reverse("complaints:list"), {"stage": Stage.FORM_SENT, "page": 2})
    assert response.context["page"].number == 2
    assert len(response.context["page"].object_list) == 2
    response = client.get(reverse("complaints:list"), {"validity": "invalid"})
    assert "没有符合条件的投诉" in response.content.decode()


def test_empty_list_says_what_to_do(client: Any, assistant: Any) -> None:
    client.force_login(assistant)
    body = client.get(reverse("complaints:list")).content.decode()
    assert "还没有投诉" in body
    assert reverse("complaints:new") in body


def test_intake_page_shows_the_reception_script_and_severity_guidance_cp1_cp3(
    client: Any, assistant: Any
) -> None:
    client.force_login(assistant)
    body = client.get(reverse("complaints:new")).content.decode()
    assert "接待话术（CP-1）" in body
    assert "绝不与住户争辩" in body
    assert "有效投诉在一个月内未能合理解决" in body  # CP-3 guidance beside "major"


def _intake_post(site: Any, engineering: Any, **overrides: Any) -> dict[str, Any]:
    data = {
        "site": site.pk,
        "channel": "hotline",
        "received_at": "2026-11-18T09:50",
        "reporter_name": "张先生",
        "reporter_phone": "13912345678",
        "unit_label": "3栋-1201",
        "description": "维修师傅上门态度差",
        "validity": "valid",
        "scope": "property",
        "severity": "important",
        "department": engineering.pk,
        "complained_person": "维修工",
        "demand": "要求道歉",
        "apology": "非常抱歉。",
    }
    data.update(overrides)
    return data


def test_intake_creates_the_complaint_and_links_the_resident_cp4(
    client: Any, site: Any, assistant: Any, engineering: Any, complainant: Any, unit: Any
) -> None:
    client.force_login(assistant)
    with time_machine.travel(local(2026, 11, 18, 10, 0), tick=False):
        response = client.post(reverse("complaints:new"), _intake_post(site, engineering))
    complaint = Complaint.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("complaints:detail", args=[complaint.pk])
    assert (complaint.ticket.resident, complaint.ticket.unit) == (complainant, unit)
    assert complaint.received_at == local(2026, 11, 18, 9, 50)
    assert complaint.severity == Severity.IMPORTANT


def test_bad_intake_keeps_what_was_typed(
    client: Any, site: Any, assistant: Any, engineering: Any
) -> None:
    client.force_login(assistant)
    data = _intake_post(site, engineering, validity="invalid", invalid_reason="", department="")
    response = client.post(reverse("complaints:new"), data)
    body = response.content.decode()
    assert response.status_code == 400
    assert "请填写无效原因。" in body
    assert "维修师傅上门态度差" in body
    assert not Ticket.objects.exists()


def test_department_staff_cannot_open_the_intake_page_cp1(client: Any, plumber: Any) -> None:
    client.force_login(plumber)
    assert client.get(reverse("complaints:new")).status_code == 403


def test_detail_shows_the_sign_action_to_the_department_and_signs_cp6(
    client: Any, make_complaint: Any, plumber: Any
) -> None:
    complaint = make_complaint()
    client.force_login(plumber)
    body = client.get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
    assert reverse("complaints:act", args=[complaint.pk, "sign"]) in body
    assert "139****5678" in body  # department staff see a masked phone
    response = client.post(reverse("complaints:act", args=[complaint.pk, "sign"]))
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.stage == Stage.SIGNED


def test_refused_action_rerenders_the_page_with_the_reason_and_changes_nothing(
    client: Any, make_complaint: Any, assistant: Any
) -> None:
    complaint = make_complaint()
    client.force_login(assistant)
    response = client.post(reverse("complaints:act", args=[complaint.pk, "sign"]))
    assert response.status_code == 403
    complaint.refresh_from_db()
    assert complaint.stage == Stage.FORM_SENT


def test_extension_approval_page_refuses_the_wrong_role_cp7(
    client: Any, make_complaint: Any, plumber: Any, supervisor: Any, manager: Any
) -> None:
    complaint = make_complaint(severity=Severity.IMPORTANT)
    services.complaint_sign(complaint_id=complaint.pk, actor=plumber)
    with time_machine.travel(local(2026, 11, 18, 10, 0), tick=False):
        extension = services.extension_request(
            complaint_id=complaint.pk,
            actor=plumber,
            reason="等配件",
            until=local(2030, 1, 1, 12, 0),
        )
    url = reverse("complaints:extension_decide", args=[complaint.pk, extension.pk])
    client.force_login(supervisor)
    response = client.post(url, {"decision": "approve"})
    assert response.status_code == 403
    assert "重要投诉的延期须由管理处经理审批" in response.content.decode()
    assert ExtensionRequest.objects.get().state == "pending"
    client.force_login(manager)
    assert client.post(url, {"decision": "approve"}).status_code == 302
    assert ExtensionRequest.objects.get().state == "approved"


def test_printable_forms_are_a4_tables_with_signature_lines(
    client: Any, make_complaint: Any, assistant: Any
) -> None:
    complaint = make_complaint(severity=Severity.MAJOR)
    client.force_login(assistant)
    form = client.get(reverse("complaints:form_print", args=[complaint.pk])).content.decode()
    assert "住户投诉意见表" in form
    assert complaint.ticket.number in form
    assert 'class="cp-grid"' in form and "cp-sign" in form
    record = client.get(reverse("complaints:record_print", args=[complaint.pk])).content.decode()
    assert "投诉处置记录表" in record
    assert "客服主管审核" in record


@pytest.mark.parametrize("name", ["detail", "form_print", "record_print"])
def test_another_sites_complaint_is_404(
    client: Any, make_complaint: Any, other_site: Any, make_staff: Any, name: str
) -> None:
    complaint = make_complaint()
    client.force_login(make_staff(other_site, Role.SITE_MANAGER))
    assert client.get(reverse(f"complaints:{name}", args=[complaint.pk])).status_code == 404
    response = client.post(reverse("complaints:act", args=[complaint.pk, "report"]), {})
    assert response.status_code == 404


def test_weekly_report_page_and_the_managers_quality_check_rp1_ds7(
    client: Any, site: Any, make_complaint: Any, manager: Any
) -> None:
    with time_machine.travel(local(2026, 11, 18, 10, 0), tick=False):
        complaint = make_complaint()
    report = services.weekly_report_generate(
        site=site, saturday=dt.date(2026, 11, 21), now=local(2026, 11, 21, 1, 0)
    )
    assert report is not None
    client.force_login(manager)
    listing = client.get(reverse("complaints:weekly_list")).content.decode()
    assert "待经理检查" in listing
    body = client.get(reverse("complaints:weekly_detail", args=[report.pk])).content.decode()
    assert "本周共受理投诉 1 宗（上周 0 宗）。" in body
    response = client.post(
        reverse("complaints:weekly_check", args=[report.pk]),
        {"conclusion": "good", "findings": "处理及时", "complaints": [complaint.pk]},
    )
    assert response.status_code == 302
    body = client.get(reverse("complaints:weekly_detail", args=[report.pk])).content.decode()
    assert "处理及时" in body


def test_monthly_summary_pages_submit_and_sign_ds7(
    client: Any, site: Any, make_complaint: Any, dispatcher: Any, manager: Any
) -> None:
    with time_machine.travel(local(2026, 10, 18, 10, 0), tick=False):
        make_complaint()
    summary = services.monthly_summary_generate(
        site=site, month=dt.date(2026, 10, 1), now=local(2026, 11, 1, 1, 0)
    )
    assert summary is not None
    client.force_login(dispatcher)
    body = client.get(reverse("complaints:monthly_detail", args=[summary.pk])).content.decode()
    assert "投诉调度记录月总结表" in body
    client.post(
        reverse("complaints:monthly_step", args=[summary.pk, "submit"]), {"text": "本月 1 宗"}
    )
    response = client.post(
        reverse("complaints:monthly_step", args=[summary.pk, "sign"]), {"comment": "同意"}
    )
    assert response.status_code == 403
    client.force_login(manager)
    client.post(reverse("complaints:monthly_step", args=[summary.pk, "sign"]), {"comment": "同意"})
    summary = MonthlyComplaintSummary.objects.get()
    assert (summary.state, summary.manager_comment) == (SummaryState.SIGNED, "同意")
    printed = client.get(reverse("complaints:monthly_print", args=[summary.pk])).content.decode()
    assert "管理处经理签字" in printed and "同意" in printed


def test_review_pages_are_not_for_department_staff(client: Any, plumber: Any) -> None:
    client.force_login(plumber)
    assert client.get(reverse("complaints:weekly_list")).status_code == 403
    assert client.get(reverse("complaints:monthly_list")).status_code == 403


def test_capa_list_for_quality(
    client: Any, make_complaint: Any, supervisor: Any, eng_head: Any, quality: Any
) -> None:
    complaint = make_complaint(severity=Severity.MAJOR)
    services.capa_file(
        complaint_id=complaint.pk,
        actor=supervisor,
        nonconformity="未按时处理",
        cause="人手不足",
        correction="增派人员",
        prevention="排班备岗",
        owner_id=eng_head.pk,
        due_date=dt.date(2099, 1, 1),
    )
    client.force_login(quality)
    body = client.get(reverse("complaints:capa_list")).content.decode()
    assert complaint.ticket.number in body
    assert "增派人员" in body


def test_site_manager_acknowledges_a_major_complaint_from_its_page_cp5(
    client: Any, make_complaint: Any, manager: Any
) -> None:
    complaint = make_complaint(severity=Severity.MAJOR)
    client.force_login(manager)
    body = client.get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
    assert "我本人已知悉" in body
    response = client.post(
        reverse("complaints:act", args=[complaint.pk, "report"]),
        {"reported_to": "", "via": "system"},
    )
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.reported_to == manager


def test_desk_must_name_whom_an_important_complaint_was_reported_to_cp5(
    client: Any, make_complaint: Any, assistant: Any, area_manager: Any
) -> None:
    complaint = make_complaint(severity=Severity.IMPORTANT)
    client.force_login(assistant)
    url = reverse("complaints:act", args=[complaint.pk, "report"])
    assert client.post(url, {"reported_to": "", "via": "phone"}).status_code == 400
    complaint.refresh_from_db()
    assert complaint.reported_at is None
    client.post(url, {"reported_to": area_manager.pk, "via": "phone"})
    complaint.refresh_from_db()
    assert (complaint.reported_to, complaint.report_via) == (area_manager, "phone")
