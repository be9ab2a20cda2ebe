"""Pages: list, intake, detail actions and their refusals, printable forms, registers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from estatedesk.core import clock
from estatedesk.org.enums import Role
from estatedesk.org.tests.factories import ResidentFactory
from estatedesk.violations import services
from estatedesk.violations.enums import DocumentKind, Grade, MeasureKind, ViolationKind
from estatedesk.violations.models import Evidence, ViolationCase
from estatedesk.violations.selectors import settings_for_site
from estatedesk.violations.tests.factories import PDF, PNG, allow_cutoff, arrears_case, make_case

pytestmark = pytest.mark.django_db


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_case_list_query_count_does_not_grow_with_rows(client, site, staff) -> None:
    make_case(site, staff["assistant"])
    client.force_login(staff["supervisor"])
    one = _queries(client, "/violations/")
    for _ in range(19):
        make_case(site, staff["assistant"], onsite_persuasion="劝阻")
    twenty = _queries(client, "/violations/")
    assert one == twenty
    assert client.get("/violations/").content.decode().count('href="/violations/') >= 20


def test_case_list_empty_state_says_what_to_do(client, site, staff) -> None:
    client.force_login(staff["assistant"])
    body = client.get("/violations/").content.decode()
    assert "还没有违章案件" in body
    assert "登记第一宗违章" in body


def test_case_list_filters_by_grade_and_paginates(client, site, staff) -> None:
    major = make_case(site, staff["assistant"], grade=Grade.MAJOR)
    general = make_case(site, staff["assistant"])
    client.force_login(staff["supervisor"])
    body = client.get("/violations/?grade=major").content.decode()
    assert major.number in body and general.number not in body
    for _ in range(20):
        make_case(site, staff["assistant"])
    page2 = client.get("/violations/?page=2").content.decode()
    assert "第 2/2 页，共 22 条" in page2


def test_intake_registers_case_with_photo_and_routes_vi7(client, site, staff, settings) -> None:
    resident = ResidentFactory(site=site)
    unit = resident.units.get()
    client.force_login(staff["assistant"])
    assert client.get("/violations/new/").status_code == 200
    response = client.post(
        "/violations/new/",
        {
            "unit": unit.pk,
            "resident": resident.pk,
            "kind": ViolationKind.ENVIRONMENT,
            "sub_kind": "environment_noise",
            "location": "1栋 1201",
            "occurred_at": clock.localtime().strftime("%Y-%m-%dT%H:%M"),
            "witness": "保安 朱亮",
            "description": "深夜装修噪音",
            "onsite_persuasion": "当场劝阻",
            "grade": Grade.GENERAL,
            "evidence": [SimpleUploadedFile("noise.png", PNG, content_type="image/png")],
        },
    )
    case = ViolationCase.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/violations/{case.pk}/"
    assert case.assigned_to == staff["supervisor"]
    item = Evidence.objects.get()
    stored = Path(settings.MEDIA_ROOT) / item.path
    assert stored.read_bytes() == PNG
    assert (item.content_type, item.case) == ("image/png", case)


def test_intake_bad_grade_keeps_input_and_shows_rule_vi3(client, site, staff) -> None:
    resident = ResidentFactory(site=site)
    client.force_login(staff["assistant"])
    response = client.post(
        "/violations/new/",
        {
            "unit": resident.units.get().pk,
            "kind": ViolationKind.FIRE_SAFETY,
            "sub_kind": "fire_safety_exit_blocked",
            "location": "消防通道B口",
            "occurred_at": clock.localtime().strftime("%Y-%m-%dT%H:%M"),
            "witness": "保安",
            "description": "堵塞",
            "grade": Grade.GENERAL,
            "endangers_safety": "on",
        },
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "违章等级与事实不符" in body and "消防通道B口" in body
    assert ViolationCase.objects.count() == 0


def test_intake_refuses_a_file_that_is_not_an_image_or_pdf(client, site, staff) -> None:
    resident = ResidentFactory(site=site)
    client.force_login(staff["assistant"])
    response = client.post(
        "/violations/new/",
        {
            "unit": resident.units.get().pk,
            "kind": ViolationKind.OTHER,
            "sub_kind": "other_other",
            "location": "x",
            "occurred_at": clock.localtime().strftime("%Y-%m-%dT%H:%M"),
            "witness": "x",
            "description": "x",
            "grade": Grade.GENERAL,
            "evidence": [
                SimpleUploadedFile("photo.jpg", b"MZ\x90\x00fake", content_type="image/jpeg")
            ],
        },
    )
    assert response.status_code == 400
    assert "不是 JPEG、PNG、WebP 图片或 PDF 文件" in response.content.decode()
    assert ViolationCase.objects.count() == 0


def test_guard_sees_no_penalty_form_and_post_is_refused_vi9(client, site, staff) -> None:
    case = make_case(site, staff["assistant"], onsite_persuasion="劝阻")
    client.force_login(staff["guard"])
    body = client.get(f"/violations/{case.pk}/").content.decode()
    assert 'id="decision-card"' not in body
    assert 'id="measure-card"' in body
    response = client.post(
        f"/violations/{case.pk}/decisions/",
        {"kind": MeasureKind.COMPENSATION, "details": "罚款", "amount": "500"},
    )
    assert response.status_code == 403
    case.refresh_from_db()
    assert (case.version, case.measures.count()) == (1, 1)


def test_manager_decides_compensation_on_the_page_vi9_vi10(client, site, staff) -> None:
    case = make_case(site, staff["assistant"], onsite_persuasion="劝阻")
    client.force_login(staff["manager"])
    assert 'id="decision-card"' in client.get(f"/violations/{case.pk}/").content.decode()
    response = client.post(
        f"/violations/{case.pk}/decisions/",
        {
            "kind": MeasureKind.COMPENSATION,
            "details": "赔偿维修费",
            "amount": "300.00",
            "out_of_order_reason": "已造成损失",
        },
    )
    assert response.status_code == 302
    measure = case.measures.get(kind=MeasureKind.COMPENSATION)
    assert (measure.amount, measure.signed_by) == (Decimal("300.00"), staff["manager"])


def test_out_of_order_measure_on_the_page_asks_for_a_reason_vi4(client, site, staff) -> None:
    case = make_case(site, staff["assistant"])
    client.force_login(staff["assistant"])
    deadline = (clock.localtime() + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        f"/violations/{case.pk}/measures/",
        {"kind": MeasureKind.RECTIFICATION, "details": "限期拆除", "deadline": deadline},
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "越级采取“限期整改”须填写越级原因" in body and "限期拆除" in body
    assert case.measures.count() == 0


def test_guard_cannot_issue_rectification_page_refuses_vi7(client, site, staff) -> None:
    case = make_case(site, staff["assistant"], onsite_persuasion="劝阻")
    client.force_login(staff["guard"])
    deadline = (clock.localtime() + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        f"/violations/{case.pk}/measures/",
        {"kind": MeasureKind.RECTIFICATION, "details": "限期拆除", "deadline": deadline},
    )
    assert response.status_code == 403
    assert case.measures.count() == 1


def test_user_of_another_site_gets_404(client, site, other_site, staff, make_staff) -> None:
    case = make_case(site, staff["assistant"])
    slip = services.document_issue(
        case=case, kind=DocumentKind.COORDINATION_SLIP, content="协调", actor=staff["assistant"]
    )
    item = services.evidence_add(
        case=case, upload=BytesIO(PNG), name="a.png", actor=staff["assistant"]
    )
    stranger = make_staff(other_site, Role.SITE_MANAGER)
    client.force_login(stranger)
    for url in (
        f"/violations/{case.pk}/",
        f"/violations/documents/{slip.pk}/print/",
        f"/violations/evidence/{item.pk}/",
    ):
        assert client.get(url).status_code == 404, url
    response = client.post(f"/violations/{case.pk}/resolve/", {"resolution": "x"})
    assert response.status_code == 404
    case.refresh_from_db()
    assert case.state == "registered"


def test_evidence_is_served_through_the_checked_view(client, site, staff) -> None:
    case = make_case(site, staff["assistant"])
    item = services.evidence_add(case=case, upload=BytesIO(PDF), name="x.pdf", actor=staff["guard"])
    client.force_login(staff["guard"])
    response = client.get(f"/violations/evidence/{item.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content == PDF


def test_evidence_upload_over_the_limit_is_refused(client, site, staff, settings) -> None:
    settings.UPLOAD_MAX_BYTES = 32
    case = make_case(site, staff["assistant"])
    client.force_login(staff["guard"])
    response = client.post(
        f"/violations/{case.pk}/evidence/",
        {"file": SimpleUploadedFile("big.png", PNG, content_type="image/png")},
    )
    assert response.status_code == 400
    assert "文件不能超过" in response.content.decode()
    assert Evidence.objects.count() == 0


def test_printable_slip_and_notice_are_a4_paper_forms_vi7(client, site, staff) -> None:
    case = make_case(site, staff["assistant"], onsite_persuasion="劝阻")
    slip = services.document_issue(
        case=case,
        kind=DocumentKind.COORDINATION_SLIP,
        content="请工程部协助",
        actor=staff["assistant"],
    )
    measure = services.measure_record(
        case=case,
        kind=MeasureKind.RECTIFICATION,
        details="拆除窗外防盗网",
        deadline=clock.now() + dt.timedelta(days=5),
        actor=staff["assistant"],
    )
    client.force_login(staff["guard"])
    slip_body = client.get(f"/violations/documents/{slip.pk}/print/").content.decode()
    assert "<h1>协调单</h1>" in slip_body and slip.number in slip_body
    assert "violations/print.css" in slip_body and "请工程部协助" in slip_body
    notice = measure.document
    notice_body = client.get(f"/violations/documents/{notice.pk}/print/").content.decode()
    assert "<h1>违章整改通知书</h1>" in notice_body and notice.number in notice_body
    assert "拆除窗外防盗网" in notice_body and "回执" in notice_body


def test_register_lists_documents_and_cases_with_flat_queries_vi7(client, site, staff) -> None:
    def issue() -> None:
        case = make_case(site, staff["assistant"])
        services.document_issue(
            case=case, kind=DocumentKind.COORDINATION_SLIP, content="协调", actor=staff["assistant"]
        )

    issue()
    client.force_login(staff["assistant"])
    one_docs = _queries(client, "/violations/register/")
    one_cases = _queries(client, "/violations/register/?book=cases")
    for _ in range(19):
        issue()
    assert _queries(client, "/violations/register/") == one_docs
    assert _queries(client, "/violations/register/?book=cases") == one_cases
    body = client.get("/violations/register/?book=cases").content.decode()
    assert "住户违章事件记录表" in body and body.count("/violations/") >= 20


def test_resolve_page_closes_the_case_with_its_outcome(client, site, staff) -> None:
    case = make_case(site, staff["assistant"])
    client.force_login(staff["supervisor"])
    response = client.post(f"/violations/{case.pk}/resolve/", {"resolution": "已整改"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.state, case.resolution) == ("resolved", "已整改")


def test_settings_page_is_for_the_site_manager(client, site, staff) -> None:
    client.force_login(staff["supervisor"])
    assert client.get("/violations/settings/").status_code == 403
    client.force_login(staff["manager"])
    response = client.post(
        "/violations/settings/",
        {
            "site": site.pk,
            "covenant_allows_cutoff": "on",
            "penalty_roles": ["cs_supervisor"],
            "cutoff_notice_days": 3,
            "cutoff_visit_minutes": 5,
            "relations_followup_days": 7,
        },
    )
    assert response.status_code == 302
    row = settings_for_site(site.pk)
    assert (row.covenant_allows_cutoff, row.penalty_roles) == (
        True,
        ["cs_supervisor", "site_manager"],
    )


def test_home_card_shows_open_and_overdue(client, site, staff) -> None:
    case = make_case(site, staff["assistant"], onsite_persuasion="劝阻")
    services.measure_record(
        case=case,
        kind=MeasureKind.RECTIFICATION,
        details="限期",
        deadline=clock.now() + dt.timedelta(minutes=30),
        actor=staff["assistant"],
    )
    client.force_login(staff["supervisor"])
    body = client.get("/").content.decode()
    assert "未办结违章" in body and "没有逾期未复查的整改" in body
    with time_machine.travel(clock.now() + dt.timedelta(hours=1)):
        body = client.get("/").content.decode()
    assert "其中 1 宗整改已逾期" in body


def test_unit_residents_partial_lists_the_units_residents(client, site, staff) -> None:
    resident = ResidentFactory(site=site, name="张三")
    client.force_login(staff["assistant"])
    body = client.get(f"/violations/residents/?unit={resident.units.get().pk}").content.decode()
    assert f'<option value="{resident.pk}">张三</option>' in body


def test_cutoff_on_the_pages_needs_the_visit_before_execution_vi6(client, site, staff) -> None:
    t0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=clock.local_zone())
    allow_cutoff(site)
    with time_machine.travel(t0, tick=False) as traveller:
        case = arrears_case(site, staff["assistant"], onsite_persuasion="沟通")
        client.force_login(staff["assistant"])
        at = (t0 + dt.timedelta(days=3, hours=1)).astimezone(clock.local_zone())
        issued = client.post(
            f"/violations/{case.pk}/documents/",
            {
                "kind": DocumentKind.CUTOFF_NOTICE,
                "content": "请于停水前缴清欠费",
                "scheduled_for": at.strftime("%Y-%m-%dT%H:%M"),
            },
        )
        assert issued.status_code == 302
        notice = case.documents.get()
        client.force_login(staff["manager"])
        decided = client.post(
            f"/violations/{case.pk}/decisions/",
            {
                "kind": MeasureKind.CUTOFF,
                "details": "按规约停水",
                "notice": notice.pk,
                "out_of_order_reason": "多次催缴无果",
            },
        )
        assert decided.status_code == 302
        measure = case.measures.get(kind=MeasureKind.CUTOFF)
        traveller.move_to(t0 + dt.timedelta(days=3, hours=1))
        client.force_login(staff["assistant"])
        refused = client.post(f"/violations/cutoffs/{measure.pk}/execute/", follow=True)
        assert "请先登记上门告知" in refused.content.decode()
        client.post(f"/violations/cutoffs/{measure.pk}/visit/", {"note": "已告知住户本人"})
        traveller.move_to(t0 + dt.timedelta(days=3, hours=1, minutes=5))
        done = client.post(f"/violations/cutoffs/{measure.pk}/execute/")
        assert done.status_code == 302
    measure.refresh_from_db()
    assert (measure.visit_note, measure.executed_at) == (
        "已告知住户本人",
        t0 + dt.timedelta(days=3, hours=1, minutes=5),
    )


def test_guard_cannot_complete_tasks_or_execute_on_the_pages(client, site, staff) -> None:
    case = make_case(site, staff["assistant"], onsite_persuasion="劝阻")
    measure = services.measure_record(
        case=case,
        kind=MeasureKind.RECTIFICATION,
        details="限期",
        deadline=clock.now() + dt.timedelta(days=1),
        actor=staff["assistant"],
    )
    task = measure.tasks.get()
    client.force_login(staff["guard"])
    body = client.get(f"/violations/{case.pk}/").content.decode()
    assert f"/violations/tasks/{task.pk}/done/" not in body
    response = client.post(f"/violations/tasks/{task.pk}/done/", {"result": "rectified"})
    assert response.status_code == 403
    task.refresh_from_db()
    assert task.done_at is None
    client.force_login(staff["assistant"])
    client.post(f"/violations/tasks/{task.pk}/done/", {"result": "rectified", "note": "已拆除"})
    task.refresh_from_db()
    assert (task.result, task.note) == ("rectified", "已拆除")
