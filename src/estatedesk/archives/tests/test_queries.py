"""Every list page and API list costs the same number of queries for 1 row and for 20."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from estatedesk.archives import services
from estatedesk.archives.enums import AccessAction, MoveInItemKind
from estatedesk.archives.tests.conftest import png_bytes
from estatedesk.core import clock
from estatedesk.org.enums import Relation
from estatedesk.org.models import Occupancy
from estatedesk.org.tests.factories import ResidentFactory, UnitFactory

pytestmark = pytest.mark.django_db


def _count(client, url: str, query: dict[str, Any] | None = None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, query or {})
    assert response.status_code == 200, url
    return len(captured)


def _same_for_1_and_20(client, url: str, add: Callable[[int], None], query=None) -> None:
    add(0)
    one = _count(client, url, query)
    for n in range(1, 20):
        add(n)
    assert _count(client, url, query) == one


def _unit_with_owner(site):
    unit = UnitFactory(building__site=site)
    ResidentFactory(site=site, unit=unit)
    return unit


def test_archive_unit_list_queries(client, site, desk):
    client.force_login(desk)

    def add(n):
        unit = UnitFactory(building__site=site)
        services.document_upload(
            unit=unit,
            kind="covenant",
            title="",
            file=io.BytesIO(png_bytes()),
            name="a.png",
            actor=desk,
        )

    _same_for_1_and_20(client, reverse("archives:index"), add)


def test_unit_documents_page_queries(client, unit, desk):
    client.force_login(desk)

    def add(n):
        document = services.document_upload(
            unit=unit,
            kind="design_drawing",
            title=f"图纸{n}",
            file=io.BytesIO(png_bytes()),
            name="a.png",
            actor=desk,
        )
        services.document_replace(
            document=document,
            expected_version=1,
            file=io.BytesIO(png_bytes()),
            name="b.png",
            note="更新",
            actor=desk,
        )

    _same_for_1_and_20(client, reverse("archives:unit", args=[unit.pk]), add)


def test_unit_documents_api_queries(client, unit, desk):
    client.force_login(desk)
    url = f"/api/v1/archives/units/{unit.pk}/documents"

    def add(n):
        services.document_upload(
            unit=unit,
            kind="covenant",
            title=f"文件{n}",
            file=io.BytesIO(png_bytes()),
            name="a.png",
            actor=desk,
        )

    _same_for_1_and_20(client, url, add)


def test_grant_lists_queries(client, site, desk, leader):
    def add(n):
        unit = UnitFactory(building__site=site)
        grant = services.grant_request(unit=unit, purpose="核对交房资料", actor=leader)
        if n % 2:
            services.grant_open(grant=grant, companion=desk, actor=desk)

    client.force_login(desk)
    add(0)
    desk_one = _count(client, reverse("archives:grants"))
    client.force_login(leader)
    leader_one = _count(client, reverse("archives:grants"))
    api_one = _count(client, "/api/v1/archives/grants")
    for n in range(1, 20):
        add(n)
    assert _count(client, reverse("archives:grants")) == leader_one
    assert _count(client, "/api/v1/archives/grants") == api_one
    client.force_login(desk)
    assert _count(client, reverse("archives:grants")) == desk_one


def test_access_log_queries(client, unit, desk, manager, leader):
    grant = services.grant_request(unit=unit, purpose="核对交房资料", actor=leader)
    services.grant_open(grant=grant, companion=desk, actor=desk)
    client.force_login(manager)

    def add(n):
        services.access_log_record(
            unit=unit,
            viewer=leader if n % 2 else desk,
            grant=grant if n % 2 else None,
            action=AccessAction.LIST,
        )

    _same_for_1_and_20(client, reverse("archives:access_log"), add)


def test_contact_lists_queries(client, site, desk, worker):
    def add(n):
        unit = _unit_with_owner(site)
        services.contact_request_create(
            unit=unit, resident=None, reason="约定上门时间", actor=worker
        )

    add(0)
    client.force_login(desk)
    desk_one = _count(client, reverse("archives:contacts"))
    desk_api = _count(client, "/api/v1/archives/contacts", {"scope": "queue"})
    client.force_login(worker)
    worker_one = _count(client, reverse("archives:contacts"))
    worker_api = _count(client, "/api/v1/archives/contacts")
    for n in range(1, 20):
        add(n)
    assert _count(client, reverse("archives:contacts")) == worker_one
    assert _count(client, "/api/v1/archives/contacts") == worker_api
    client.force_login(desk)
    assert _count(client, reverse("archives:contacts")) == desk_one
    assert _count(client, "/api/v1/archives/contacts", {"scope": "queue"}) == desk_api


def test_move_in_list_and_checklist_queries(client, site, desk):
    client.force_login(desk)
    _same_for_1_and_20(
        client,
        reverse("archives:move_ins"),
        lambda n: services.move_in_start(
            unit=(unit := _unit_with_owner(site)),
            resident=unit.residents.get(),
            id_type="passport",
            id_number="E1234567",
            actor=desk,
        ),
    )
    unit = _unit_with_owner(site)
    move_in = services.move_in_start(
        unit=unit, resident=unit.residents.get(), id_type="passport", id_number="", actor=desk
    )

    def add_item(n):
        item = services.move_in_item_add(
            move_in=move_in,
            kind=MoveInItemKind.ACCESS_CARD,
            description=f"卡{n}",
            quantity=1,
            identifier="",
            actor=desk,
        )
        services.move_in_item_confirm(
            item=item, method="typed", typed_text=move_in.resident.name, actor=desk
        )

    _same_for_1_and_20(client, reverse("archives:move_in", args=[move_in.pk]), add_item)


def test_key_register_record_and_api_queries(client, site, desk, worker):
    def add(n):
        unit = UnitFactory(building__site=site)
        owner = ResidentFactory(site=site, unit=unit)
        assert Occupancy.objects.get(resident=owner).relation == Relation.OWNER
        key = services.key_register(unit=unit, tag=f"K{n}", label="入户门", copies=1, actor=desk)
        if n % 3 == 0:
            services.key_lend(
                key=key,
                expected_version=1,
                borrower_name="",
                borrower_user=worker,
                purpose="维修",
                due_at=clock.now() + dt.timedelta(hours=1),
                actor=desk,
            )
        elif n % 3 == 1:
            services.key_hand_over(
                key=key,
                expected_version=1,
                resident=owner,
                formalities_ref="ZX",
                method="typed",
                typed_text=owner.name,
                actor=desk,
            )

    client.force_login(desk)
    record = {"site": site.pk, "start": "2000-01-01", "end": "2099-12-31"}
    add(0)
    counts = (
        _count(client, reverse("archives:keys")),
        _count(client, reverse("archives:key_record"), record),
        _count(client, "/api/v1/archives/keys"),
    )
    for n in range(1, 20):
        add(n)
    assert (
        _count(client, reverse("archives:keys")),
        _count(client, reverse("archives:key_record"), record),
        _count(client, "/api/v1/archives/keys"),
    ) == counts
