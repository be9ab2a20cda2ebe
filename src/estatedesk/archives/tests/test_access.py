"""AR-3: who may consult an owner's archive, accompanied sessions, logging, no downloads."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.urls import reverse

from estatedesk.archives import services
from estatedesk.archives.enums import AccessAction, DocumentKind, GrantState
from estatedesk.archives.models import AccessGrant, ArchiveAccessLog
from estatedesk.archives.tests.conftest import pdf_bytes
from estatedesk.core.errors import Conflict, PermissionDenied, ValidationFailed
from estatedesk.core.models import AppendOnlyError
from estatedesk.org.enums import Role

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)


def _urls(document):
    return [
        reverse("archives:unit", args=[document.unit_id]),
        reverse("archives:document", args=[document.pk]),
        reverse("archives:document_image", args=[document.pk, 1]),
    ]


def test_team_leader_without_grant_is_refused_page_and_api_ar3(client, leader, document):
    client.force_login(leader)
    for url in _urls(document):
        response = client.get(url)
        assert response.status_code == 403, url
        assert b"\x89PNG" not in response.content
    page = client.get(reverse("archives:unit", args=[document.unit_id])).content.decode()
    assert reverse("archives:grant_request", args=[document.unit_id]) in page
    api = client.get(f"/api/v1/archives/units/{document.unit_id}/documents")
    assert api.status_code == 403
    assert api.json()["code"] == "grant_required"
    assert ArchiveAccessLog.objects.count() == 0


def test_worker_and_finance_are_refused_page_and_api_ar3(
    client, site, worker, make_staff, document
):
    finance = make_staff(site, Role.FINANCE)
    for user in (worker, finance):
        client.force_login(user)
        for url in _urls(document):
            assert client.get(url).status_code == 403, url
        api = client.get(f"/api/v1/archives/units/{document.unit_id}/documents")
        assert api.status_code == 403
        assert api.json()["code"] == "archive_refused"
    with pytest.raises(PermissionDenied):
        services.grant_request(unit=document.unit, purpose="想看一下资料", actor=worker)
    assert AccessGrant.objects.count() == 0


def test_desk_of_another_site_gets_404(client, other_site, make_staff, document):
    client.force_login(make_staff(other_site, Role.CS_ASSISTANT))
    for url in _urls(document):
        assert client.get(url).status_code == 404, url
    assert client.get(f"/api/v1/archives/units/{document.unit_id}/documents").status_code == 404


def test_desk_reads_archive_and_every_view_is_logged_ar3(client, desk, document):
    client.force_login(desk)
    page = client.get(reverse("archives:unit", args=[document.unit_id]))
    assert page.status_code == 200
    assert "业主规约" in page.content.decode()
    image = client.get(reverse("archives:document_image", args=[document.pk, 1]))
    assert image.status_code == 200
    assert image["Content-Type"] == "image/png"
    logs = list(ArchiveAccessLog.objects.order_by("id").values_list("action", "viewer", "grant"))
    assert logs == [(AccessAction.LIST, desk.pk, None), (AccessAction.VIEW, desk.pk, None)]


def test_grant_session_logs_views_and_expires_after_its_time_ar3(
    client, desk, desk2, leader, document
):
    with time_machine.travel(T0, tick=False) as traveller:
        grant = services.grant_request(
            unit=document.unit, purpose="核对装修图纸排水走向", actor=leader
        )
        client.force_login(desk)
        response = client.post(
            reverse("archives:grant_open", args=[grant.pk]),
            {"companion": desk2.pk, "minutes": 30},
        )
        assert response.status_code == 302
        grant.refresh_from_db()
        assert grant.state == GrantState.OPEN
        assert grant.companion == desk2
        assert grant.decided_by == desk
        assert grant.expires_at == T0 + dt.timedelta(minutes=30)

        client.force_login(leader)
        traveller.shift(dt.timedelta(minutes=10))
        assert client.get(reverse("archives:unit", args=[document.unit_id])).status_code == 200
        image = client.get(reverse("archives:document_image", args=[document.pk, 1]))
        assert image.status_code == 200
        assert image["Content-Disposition"] == "inline"
        assert "no-store" in image["Cache-Control"]
        logs = list(ArchiveAccessLog.objects.order_by("id"))
        assert [(log.action, log.viewer_id, log.grant_id) for log in logs] == [
            (AccessAction.LIST, leader.pk, grant.pk),
            (AccessAction.VIEW, leader.pk, grant.pk),
        ]
        assert logs[1].document_id == document.pk
        assert logs[1].viewed_at == T0 + dt.timedelta(minutes=10)

        traveller.shift(dt.timedelta(minutes=20))  # exactly at expires_at: over
        assert client.get(reverse("archives:unit", args=[document.unit_id])).status_code == 403
        image = client.get(reverse("archives:document_image", args=[document.pk, 1]))
        assert image.status_code == 403
        api = client.get(f"/api/v1/archives/units/{document.unit_id}/documents")
        assert api.status_code == 403
        assert ArchiveAccessLog.objects.count() == 2


def test_default_session_is_thirty_minutes_and_names_the_cs_person_ar3(desk, leader, document):
    with time_machine.travel(T0, tick=False):
        grant = services.grant_request(unit=document.unit, purpose="核对交房资料", actor=leader)
        services.grant_open(grant=grant, companion=desk, actor=desk)
    assert (grant.expires_at - grant.opened_at) == dt.timedelta(minutes=30)
    assert grant.companion == desk


def test_companion_must_be_cs_desk_and_not_the_requester_ar3(site, desk, leader, worker, document):
    grant = services.grant_request(unit=document.unit, purpose="核对交房资料", actor=leader)
    for companion in (worker, leader, None):
        with pytest.raises(ValidationFailed):
            services.grant_open(grant=grant, companion=companion, actor=desk)
    with pytest.raises(PermissionDenied):
        services.grant_open(grant=grant, companion=desk, actor=leader)
    grant.refresh_from_db()
    assert grant.state == GrantState.REQUESTED
    assert grant.opened_at is None


def test_grant_open_twice_is_a_conflict(desk, desk2, leader, document):
    grant = services.grant_request(unit=document.unit, purpose="核对交房资料", actor=leader)
    stale = AccessGrant.objects.get(pk=grant.pk)
    services.grant_open(grant=grant, companion=desk, actor=desk)
    with pytest.raises(Conflict):
        services.grant_open(grant=stale, companion=desk2, actor=desk2)
    assert AccessGrant.objects.get(pk=grant.pk).companion == desk


def test_closed_session_gives_no_more_access_ar3(client, desk, leader, document):
    grant = services.grant_request(unit=document.unit, purpose="核对交房资料", actor=leader)
    services.grant_open(grant=grant, companion=desk, actor=desk)
    client.force_login(leader)
    assert client.get(reverse("archives:unit", args=[document.unit_id])).status_code == 200
    assert client.post(reverse("archives:grant_close", args=[grant.pk])).status_code == 302
    assert client.get(reverse("archives:unit", args=[document.unit_id])).status_code == 403


def test_grant_is_for_one_unit_only_ar3(client, site, desk, leader, document):
    from estatedesk.org.tests.factories import UnitFactory

    other_unit = UnitFactory(building=document.unit.building)
    grant = services.grant_request(unit=document.unit, purpose="核对交房资料", actor=leader)
    services.grant_open(grant=grant, companion=desk, actor=desk)
    client.force_login(leader)
    assert client.get(reverse("archives:unit", args=[other_unit.pk])).status_code == 403


def test_desk_staff_need_no_grant_and_cannot_request_one_ar3(desk, document):
    with pytest.raises(PermissionDenied):
        services.grant_request(unit=document.unit, purpose="核对交房资料", actor=desk)


def test_refused_request_records_reason(client, desk, leader, document):
    grant = services.grant_request(unit=document.unit, purpose="核对交房资料", actor=leader)
    client.force_login(desk)
    client.post(reverse("archives:grant_refuse", args=[grant.pk]), {"reason": "目的不明确"})
    grant.refresh_from_db()
    assert (grant.state, grant.refusal_reason, grant.decided_by) == (
        GrantState.REFUSED,
        "目的不明确",
        desk,
    )


def test_download_and_raw_file_urls_are_refused_ar3(client, desk, document):
    client.force_login(desk)
    version = document.versions.get()
    for url in (
        reverse("archives:document_image", args=[document.pk, 1]) + "?download=1",
        reverse("archives:document", args=[document.pk]) + "?download",
    ):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "attachment" not in response.get("Content-Disposition", "")
    raw = client.get(f"/media-not-served/archives/{version.storage_name}")
    assert raw.status_code == 404
    viewer = client.get(reverse("archives:document", args=[document.pk])).content.decode()
    assert "download" not in viewer.lower()
    assert version.storage_name not in viewer


def test_pdf_is_shown_inline_to_the_desk_only_ar3(client, desk, leader, unit):
    pdf = services.document_upload(
        unit=unit,
        kind=DocumentKind.SERVICE_AGREEMENT,
        title="",
        file=io.BytesIO(pdf_bytes()),
        name="agreement.pdf",
        actor=desk,
    )
    url = reverse("archives:document_pdf", args=[pdf.pk, 1])
    client.force_login(desk)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == "inline"
    assert "no-store" in response["Cache-Control"]
    assert client.get(url + "?download=1").status_code == 403

    grant = services.grant_request(unit=unit, purpose="核对物业服务协议", actor=leader)
    services.grant_open(grant=grant, companion=desk, actor=desk)
    client.force_login(leader)
    assert client.get(url).status_code == 403
    viewer = client.get(reverse("archives:document", args=[pdf.pk])).content.decode()
    assert "仅限客服中心人员" in viewer
    assert url not in viewer


def test_access_log_is_append_only_ar3(desk, document):
    log = services.access_log_record(
        unit=document.unit, viewer=desk, grant=None, action=AccessAction.LIST
    )
    with pytest.raises(AppendOnlyError):
        log.save()
    with pytest.raises(AppendOnlyError):
        log.delete()
    assert ArchiveAccessLog.objects.count() == 1


def test_manager_sees_the_access_log_and_others_do_not_ar3(client, desk, leader, manager, document):
    grant = services.grant_request(unit=document.unit, purpose="核对交房资料", actor=leader)
    services.grant_open(grant=grant, companion=desk, actor=desk)
    client.force_login(leader)
    client.get(reverse("archives:document_image", args=[document.pk, 1]))
    client.force_login(manager)
    page = client.get(reverse("archives:access_log"))
    assert page.status_code == 200
    body = page.content.decode()
    assert leader.username in body and f"#{grant.pk}" in body and "业主规约" in body
    for user in (desk, leader):
        client.force_login(user)
        assert client.get(reverse("archives:access_log")).status_code == 403


def test_api_grant_flow_ar3(client, desk, leader, document):
    client.force_login(leader)
    created = client.post(
        "/api/v1/archives/grants",
        {"unit_id": document.unit_id, "purpose": "核对交房资料"},
        content_type="application/json",
    )
    assert created.status_code == 201
    grant_id = created.json()["id"]
    assert created.json()["state"] == "requested"
    client.force_login(desk)
    opened = client.post(
        f"/api/v1/archives/grants/{grant_id}/open",
        {"companion_id": desk.pk},
        content_type="application/json",
    )
    assert opened.status_code == 200
    assert opened.json()["active"] is True
    assert opened.json()["companion"] == desk.username
    client.force_login(leader)
    listed = client.get(f"/api/v1/archives/units/{document.unit_id}/documents")
    assert listed.status_code == 200
    assert [d["title"] for d in listed.json()] == ["业主规约"]
    assert "storage_name" not in listed.content.decode()
    assert ArchiveAccessLog.objects.get().channel == "api"
