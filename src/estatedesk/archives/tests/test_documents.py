"""AR-1: documents filed per unit with their source, checked by content, versioned; the
viewer's copy is a watermarked rendering."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.urls import reverse
from PIL import Image

from estatedesk.archives import files, services
from estatedesk.archives.enums import DocumentKind, DocumentSource
from estatedesk.archives.models import ArchiveDocument, DocumentVersion
from estatedesk.archives.tests.conftest import pdf_bytes, png_bytes
from estatedesk.core.errors import Conflict, PermissionDenied, ValidationFailed
from estatedesk.core.models import Event

pytestmark = pytest.mark.django_db


def _stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT) / "archives"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _upload(unit, actor, content: bytes, name: str, kind=DocumentKind.HANDOVER_FORM):
    return services.document_upload(
        unit=unit, kind=kind, title="", file=io.BytesIO(content), name=name, actor=actor
    )


def test_upload_files_document_with_source_from_kind_ar1(settings, unit, desk):
    document = _upload(unit, desk, png_bytes(), "handover.png")
    assert (document.kind, document.source, document.title, document.current_version) == (
        DocumentKind.HANDOVER_FORM,
        DocumentSource.ENGINEERING,
        "交房验收表及维修单",
        1,
    )
    version = document.versions.get()
    assert (version.content_type, version.original_name, version.width, version.height) == (
        "image/png",
        "handover.png",
        120,
        80,
    )
    stored = _stored_files(settings)
    assert len(stored) == 1
    # Outside any served folder, under a random name that says nothing about the content.
    assert stored[0].is_relative_to(Path(settings.MEDIA_ROOT))
    assert "handover" not in stored[0].name and stored[0].suffix == ""
    assert stored[0].read_bytes() == png_bytes()
    assert Event.objects.filter(verb="archives.document_uploaded").count() == 1


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"<html><script>alert(1)</script></html>", "photo.png"),
        (b"GIF89a\x01\x00\x01\x00", "scan.gif"),
        (b"MZ\x90\x00 executable", "contract.pdf"),
        (pdf_bytes(), "disguised.png"),
        (png_bytes(), "disguised.pdf"),
        (b"\x89PNG\r\n\x1a\n" + b"not really a png", "broken.png"),
    ],
)
def test_disguised_or_broken_upload_is_refused_and_nothing_stored_ar1(
    settings, unit, desk, content, name
):
    with pytest.raises(ValidationFailed):
        _upload(unit, desk, content, name)
    assert ArchiveDocument.objects.count() == 0
    assert DocumentVersion.objects.count() == 0
    assert _stored_files(settings) == []


def test_upload_over_the_size_limit_is_refused(settings, unit, desk):
    settings.UPLOAD_MAX_BYTES = 1000
    with pytest.raises(ValidationFailed) as refused:
        _upload(unit, desk, png_bytes(400, 400, "red") + b"\x00" * 1000, "big.png")
    assert "大小上限" in refused.value.detail
    assert ArchiveDocument.objects.count() == 0


def test_upload_page_refuses_html_named_png_and_keeps_the_form_ar1(client, unit, desk):
    client.force_login(desk)
    upload = io.BytesIO(b"<!doctype html><h1>hi</h1>")
    upload.name = "photo.png"
    response = client.post(
        reverse("archives:upload", args=[unit.pk]),
        {"kind": DocumentKind.COVENANT, "title": "规约扫描件", "file": upload},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "只接受 PDF、JPEG、PNG 或 WebP" in body
    assert 'value="规约扫描件"' in body
    assert ArchiveDocument.objects.count() == 0


def test_only_the_cs_desk_uploads_ar1(client, unit, leader, worker):
    for user in (leader, worker):
        with pytest.raises(PermissionDenied):
            _upload(unit, user, png_bytes(), "a.png")
        client.force_login(user)
        assert client.get(reverse("archives:upload", args=[unit.pk])).status_code == 403
    assert ArchiveDocument.objects.count() == 0


def test_replacing_keeps_the_history_ar1(settings, client, unit, desk, desk2):
    document = _upload(unit, desk, png_bytes(color="red"), "v1.png")
    services.document_replace(
        document=document,
        expected_version=1,
        file=io.BytesIO(pdf_bytes()),
        name="v2.pdf",
        note="业主补签后重新扫描",
        actor=desk,
    )
    document.refresh_from_db()
    assert document.current_version == 2
    assert list(document.versions.values_list("number", "content_type", "note")) == [
        (2, "application/pdf", "业主补签后重新扫描"),
        (1, "image/png", ""),
    ]
    assert len(_stored_files(settings)) == 2
    # A second desk still holding version 1 loses the compare-and-set.
    with pytest.raises(Conflict):
        services.document_replace(
            document=document,
            expected_version=1,
            file=io.BytesIO(png_bytes()),
            name="v2b.png",
            note="重复提交",
            actor=desk2,
        )
    assert document.versions.count() == 2
    client.force_login(desk)
    old = client.get(reverse("archives:document_image", args=[document.pk, 1]))
    assert old.status_code == 200


def test_rendering_burns_the_watermark_into_the_image_ar3():
    original = png_bytes(400, 300, "white")
    text = files.watermark_text(viewer_label="leader7", at_label="2026-11-23 18:00", grant_id=5)
    assert text == "leader7 2026-11-23 18:00 G5 NO COPY"
    rendered = Image.open(io.BytesIO(files.render_watermarked(original, text=text)))
    assert rendered.format == "PNG"
    assert rendered.size == (400, 300)
    colours = rendered.convert("RGB").getcolors(maxcolors=100_000)
    # Not blank white any more: watermark pixels are reddish.
    assert any(r > g + 40 for _count, (r, g, _b) in colours)


def test_rendering_scales_large_images_down():
    big = png_bytes(3200, 1600, "white")
    rendered = Image.open(io.BytesIO(files.render_watermarked(big, text="x")))
    assert rendered.size == (1600, 800)


def test_replace_page_with_stale_version_shows_conflict(client, unit, desk):
    document = _upload(unit, desk, png_bytes(), "v1.png")
    client.force_login(desk)
    page = client.get(reverse("archives:replace", args=[document.pk]))
    assert 'name="expected_version" value="1"' in page.content.decode()
    services.document_replace(
        document=document,
        expected_version=1,
        file=io.BytesIO(png_bytes()),
        name="v2.png",
        note="更新",
        actor=desk,
    )
    upload = io.BytesIO(png_bytes())
    upload.name = "v3.png"
    response = client.post(
        reverse("archives:replace", args=[document.pk]),
        {"expected_version": 1, "note": "再更新", "file": upload},
    )
    assert response.status_code == 200
    assert "已被他人修改" in response.content.decode()
    assert document.versions.count() == 2
