"""AR-4 move-in checklist and AR-2 signatures for every item handed over."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import pytest
from django.urls import reverse
from PIL import Image, ImageDraw

from estatedesk.archives import services
from estatedesk.archives.enums import IdType, MoveInItemKind, MoveInState, SignatureMethod
from estatedesk.archives.models import MoveIn, MoveInItem, Signature
from estatedesk.core.errors import Conflict, PermissionDenied, ValidationFailed

pytestmark = pytest.mark.django_db

VALID_ID = "11010519491231002X"


def drawn_png(*, blank: bool = False) -> str:
    image = Image.new("RGBA", (300, 100), (0, 0, 0, 0))
    if not blank:
        ImageDraw.Draw(image).line((10, 80, 120, 20, 200, 70, 290, 30), fill="black", width=4)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def _start(unit, resident, desk, id_number=VALID_ID):
    return services.move_in_start(
        unit=unit, resident=resident, id_type=IdType.RESIDENT_ID, id_number=id_number, actor=desk
    )


def _item(move_in, desk, kind=MoveInItemKind.ACCESS_CARD, description="门禁卡"):
    return services.move_in_item_add(
        move_in=move_in, kind=kind, description=description, quantity=2, identifier="", actor=desk
    )


def test_only_the_masked_id_is_stored_ar4(unit, owner, desk):
    move_in = _start(unit, owner, desk)
    assert move_in.id_masked == "1101**********002X"
    stored = MoveIn.objects.filter(pk=move_in.pk).values()[0]
    assert VALID_ID not in str(stored)


def test_invalid_resident_id_is_refused_ar4(unit, owner, desk):
    with pytest.raises(ValidationFailed):
        _start(unit, owner, desk, id_number="110105194912310021")
    assert MoveIn.objects.count() == 0


def test_move_in_needs_a_resident_of_the_unit(site, unit, desk):
    from estatedesk.org.tests.factories import ResidentFactory

    stranger = ResidentFactory(site=site)
    with pytest.raises(ValidationFailed):
        _start(unit, stranger, desk)
    assert MoveIn.objects.count() == 0


def test_completion_needs_the_whole_checklist_and_signatures_ar4_ar2(unit, tenant, desk):
    move_in = _start(unit, tenant, desk)
    card = _item(move_in, desk)
    key = _item(move_in, desk, MoveInItemKind.KEY, "入户门钥匙")
    with pytest.raises(ValidationFailed) as refused:
        services.move_in_complete(move_in=move_in, expected_version=1, actor=desk)
    assert refused.value.detail == (
        "尚不能完成入伙：核验租赁合同（租户）；填写住户登记表；住户签收：门禁卡、入户门钥匙。"
    )
    services.move_in_update(
        move_in=move_in,
        expected_version=1,
        id_type=IdType.RESIDENT_ID,
        id_number="",
        lease_checked=True,
        registration_done=True,
        actor=desk,
    )
    assert move_in.id_masked == "1101**********002X"  # blank keeps the recorded ID
    services.move_in_item_confirm(
        item=card, method=SignatureMethod.TYPED, typed_text="李租户", actor=desk
    )
    services.move_in_item_confirm(
        item=key, method=SignatureMethod.DRAWN, drawn=drawn_png(), actor=desk
    )
    services.move_in_complete(move_in=move_in, expected_version=2, actor=desk)
    move_in.refresh_from_db()
    assert (move_in.state, move_in.completed_by) == (MoveInState.COMPLETED, desk)
    with pytest.raises(Exception):  # noqa: B017 - completed checklists take no more items
        _item(move_in, desk)


def test_typed_confirmation_must_be_the_resident_name_ar2(unit, owner, desk):
    item = _item(_start(unit, owner, desk), desk)
    with pytest.raises(ValidationFailed):
        services.move_in_item_confirm(
            item=item, method=SignatureMethod.TYPED, typed_text="别人", actor=desk
        )
    services.move_in_item_confirm(
        item=item, method=SignatureMethod.TYPED, typed_text=" 张业主 ", actor=desk
    )
    signature = MoveInItem.objects.get().signature
    assert (signature.signer_name, signature.typed_text, signature.method) == (
        "张业主",
        "张业主",
        SignatureMethod.TYPED,
    )
    assert signature.signed_at is not None


@pytest.mark.parametrize(
    "data",
    [
        drawn_png(blank=True),
        "data:image/png;base64,PGh0bWw+PC9odG1sPg==",
        "data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=",
        "data:image/png;base64,not base64!",
        "",
    ],
)
def test_drawn_signature_must_be_a_real_non_blank_png_ar2(settings, unit, owner, desk, data):
    item = _item(_start(unit, owner, desk), desk)
    with pytest.raises(ValidationFailed):
        services.move_in_item_confirm(
            item=item, method=SignatureMethod.DRAWN, drawn=data, actor=desk
        )
    assert Signature.objects.count() == 0
    assert not (Path(settings.MEDIA_ROOT) / "archives" / "signatures").exists()


def test_drawn_signature_is_stored_and_shown_to_the_desk_only_ar2(
    client, settings, unit, owner, desk, worker
):
    move_in = _start(unit, owner, desk)
    item = _item(move_in, desk)
    client.force_login(desk)
    response = client.post(
        reverse("archives:move_in_item_sign", args=[move_in.pk, item.pk]),
        {"method": SignatureMethod.DRAWN, "drawn": drawn_png()},
    )
    assert response.status_code == 302
    signature = MoveInItem.objects.get().signature
    path = Path(settings.MEDIA_ROOT) / "archives" / signature.image_name
    assert Image.open(path).format == "PNG"
    image = client.get(reverse("archives:signature", args=[signature.pk]))
    assert image.status_code == 200
    assert image["Content-Type"] == "image/png"
    assert "no-store" in image["Cache-Control"]
    detail = client.get(reverse("archives:move_in", args=[move_in.pk])).content.decode()
    assert reverse("archives:signature", args=[signature.pk]) in detail
    client.force_login(worker)
    assert client.get(reverse("archives:signature", args=[signature.pk])).status_code == 403


def test_an_item_is_signed_once(unit, owner, desk, desk2):
    item = _item(_start(unit, owner, desk), desk)
    stale = MoveInItem.objects.select_related("move_in__resident").get(pk=item.pk)
    services.move_in_item_confirm(
        item=item, method=SignatureMethod.TYPED, typed_text="张业主", actor=desk
    )
    with pytest.raises(Conflict):
        services.move_in_item_confirm(
            item=stale, method=SignatureMethod.TYPED, typed_text="张业主", actor=desk2
        )
    # The losing call ran in its own transaction: its Signature row was rolled back.
    assert Signature.objects.count() == 1


def test_move_in_pages_are_for_the_desk_only_ar4(client, unit, owner, desk, leader):
    client.force_login(desk)
    page = client.post(
        reverse("archives:move_in_start", args=[unit.pk]),
        {"resident": owner.pk, "id_type": IdType.RESIDENT_ID, "id_number": VALID_ID},
    )
    move_in = MoveIn.objects.get()
    assert page.status_code == 302 and page["Location"] == reverse(
        "archives:move_in", args=[move_in.pk]
    )
    detail = client.get(reverse("archives:move_in", args=[move_in.pk])).content.decode()
    assert "1101**********002X" in detail and VALID_ID not in detail
    client.force_login(leader)
    with pytest.raises(PermissionDenied):
        services.move_in_item_add(
            move_in=move_in,
            kind=MoveInItemKind.KEY,
            description="钥匙",
            quantity=1,
            identifier="",
            actor=leader,
        )
    assert client.get(reverse("archives:move_in", args=[move_in.pk])).status_code == 403
