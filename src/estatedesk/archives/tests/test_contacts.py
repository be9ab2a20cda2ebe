"""AR-3: staff reach an owner only through the CS front desk; the phone number never reaches
anyone outside the desk, in any page or API response of the app."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.urls import URLPattern, reverse

from estatedesk.archives import services, urls
from estatedesk.archives.api import router
from estatedesk.archives.enums import ContactOutcome, ContactState, MoveInItemKind
from estatedesk.archives.models import ContactRequest
from estatedesk.archives.tests.conftest import OWNER_PHONE, png_bytes
from estatedesk.core import clock
from estatedesk.core.errors import Conflict, PermissionDenied, ValidationFailed
from estatedesk.core.masking import mask_phone

pytestmark = pytest.mark.django_db


def test_requester_sees_outcome_but_only_a_masked_number_ar3(client, unit, owner, worker, desk):
    client.force_login(worker)
    response = client.post(
        reverse("archives:contact_new"),
        {"site": unit.site_id, "unit_label": unit.label, "reason": "约定上门维修时间"},
    )
    assert response.status_code == 302
    contact = ContactRequest.objects.get()
    assert (contact.requester, contact.unit, contact.state) == (worker, unit, ContactState.OPEN)

    client.force_login(desk)
    queue = client.get(reverse("archives:contacts")).content.decode()
    assert OWNER_PHONE in queue  # the desk makes the call
    call = client.post(
        reverse("archives:contact_log", args=[contact.pk]),
        {"expected_version": 1, "outcome": ContactOutcome.REACHED, "note": "业主周六上午在家"},
    )
    assert call.status_code == 302
    contact.refresh_from_db()
    assert (contact.state, contact.outcome, contact.handled_by) == (
        ContactState.DONE,
        ContactOutcome.REACHED,
        desk,
    )
    assert contact.called_at is not None

    client.force_login(worker)
    mine = client.get(reverse("archives:contacts")).content.decode()
    assert "业主周六上午在家" in mine
    assert OWNER_PHONE not in mine
    api = client.get("/api/v1/archives/contacts")
    assert api.json()["items"][0]["phones"] == [mask_phone(OWNER_PHONE)]
    assert OWNER_PHONE not in api.content.decode()


def test_call_logged_twice_is_a_conflict_ar3(unit, owner, worker, desk, desk2):
    contact = services.contact_request_create(
        unit=unit, resident=None, reason="约定上门维修时间", actor=worker
    )
    services.contact_request_log_call(
        request=contact, expected_version=1, outcome=ContactOutcome.NO_ANSWER, note="", actor=desk
    )
    with pytest.raises(Conflict):
        services.contact_request_log_call(
            request=contact,
            expected_version=1,
            outcome=ContactOutcome.REACHED,
            note="",
            actor=desk2,
        )
    contact.refresh_from_db()
    assert (contact.outcome, contact.handled_by) == (ContactOutcome.NO_ANSWER, desk)


def test_only_the_desk_logs_calls_and_reasons_are_required_ar3(unit, worker, leader):
    with pytest.raises(ValidationFailed):
        services.contact_request_create(unit=unit, resident=None, reason="  ", actor=worker)
    contact = services.contact_request_create(
        unit=unit, resident=None, reason="确认装修时间", actor=worker
    )
    with pytest.raises(PermissionDenied):
        services.contact_request_log_call(
            request=contact,
            expected_version=1,
            outcome=ContactOutcome.REACHED,
            note="",
            actor=leader,
        )
    assert ContactRequest.objects.get().state == ContactState.OPEN


def _seed_everything(unit, owner, desk, leader, worker):
    """One row of every kind the app's URLs point at."""
    document = services.document_upload(
        unit=unit,
        kind="covenant",
        title="",
        file=io.BytesIO(png_bytes()),
        name="a.png",
        actor=desk,
    )
    grant = services.grant_request(unit=unit, purpose="核对交房资料", actor=leader)
    contact = services.contact_request_create(
        unit=unit, resident=owner, reason="约定上门维修", actor=worker
    )
    move_in = services.move_in_start(
        unit=unit, resident=owner, id_type="passport", id_number="E12345678", actor=desk
    )
    item = services.move_in_item_add(
        move_in=move_in,
        kind=MoveInItemKind.ACCESS_CARD,
        description="门禁卡",
        quantity=1,
        identifier="C1",
        actor=desk,
    )
    services.move_in_item_confirm(item=item, method="typed", typed_text=owner.name, actor=desk)
    key = services.key_register(unit=unit, tag="K1", label="入户门", copies=1, actor=desk)
    services.key_lend(
        key=key,
        expected_version=1,
        borrower_name="",
        borrower_user=worker,
        purpose="维修",
        due_at=clock.now() + dt.timedelta(hours=2),
        actor=desk,
    )
    item.refresh_from_db()
    return {
        "unit_id": unit.pk,
        "document_id": document.pk,
        "number": 1,
        "grant_id": grant.pk,
        "request_id": contact.pk,
        "move_in_id": move_in.pk,
        "item_id": item.pk,
        "signature_id": item.signature_id,
        "key_id": key.pk,
    }


def test_maintenance_worker_never_receives_the_owner_phone_ar3(
    client, unit, owner, desk, leader, worker
):
    ids = _seed_everything(unit, owner, desk, leader, worker)
    client.force_login(worker)
    bodies: list[tuple[str, bytes]] = []
    for pattern in urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        names = re.findall(r"<int:(\w+)>", str(pattern.pattern))
        url = reverse(f"archives:{pattern.name}", kwargs={n: ids[n] for n in names})
        bodies.append((f"GET {url}", client.get(url).content))
        bodies.append((f"GET {url}?q=1", client.get(url, {"state": "done", "q": "1"}).content))
        post = client.post(url, {"reason": "x", "expected_version": 1, "unit_label": unit.label})
        bodies.append((f"POST {url}", post.content))
    api_payload = {
        "unit_id": unit.pk,
        "purpose": "核对资料",
        "reason": "约定维修时间",
        "expected_version": 2,
        "companion_id": desk.pk,
        "due_at": (clock.now() + dt.timedelta(hours=1)).isoformat(),
    }
    for path, view in router.path_operations.items():
        concrete = path
        for name, value in ids.items():
            concrete = concrete.replace("{" + name + "}", str(value))
        url = "/api/v1/archives" + concrete
        for operation in view.operations:
            for method in operation.methods:
                if method == "GET":
                    for query in ({}, {"scope": "queue"}):
                        bodies.append((f"GET {url}", client.get(url, query).content))
                else:
                    response = client.post(url, api_payload, content_type="application/json")
                    bodies.append((f"{method} {url}", response.content))
    assert len(bodies) > 100
    leaked = [label for label, body in bodies if OWNER_PHONE.encode() in body]
    assert leaked == []
    # The worker's own requests are there, with the number masked.
    listed = client.get("/api/v1/archives/contacts").json()["items"]
    assert {tuple(row["phones"]) for row in listed} == {(mask_phone(OWNER_PHONE),)}
