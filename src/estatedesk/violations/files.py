"""Stored files: evidence uploads sniffed by their first bytes, finance export copies.

Everything lives under settings.MEDIA_ROOT (outside the web root); only views that check
access stream it back. Paths stored in the database are relative to MEDIA_ROOT.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from django.conf import settings
from django.utils.translation import gettext as _

from estatedesk.core.errors import ValidationFailed

# (magic bytes at offset 0, content type, extension); WebP is checked separately (RIFF....WEBP).
_SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"%PDF-", "application/pdf", "pdf"),
)


@dataclass(frozen=True)
class StoredFile:
    path: str
    content_type: str
    size: int
    sha256: str


def sniff(head: bytes) -> tuple[str, str] | None:
    """``(content_type, extension)`` from the file's first bytes, or None if not allowed."""
    for magic, content_type, ext in _SIGNATURES:
        if head.startswith(magic):
            return content_type, ext
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp", "webp"
    return None


def media_path(relative: str) -> Path:
    root = Path(settings.MEDIA_ROOT).resolve()
    full = (root / relative).resolve()
    if root not in full.parents:
        raise ValidationFailed(_("文件路径无效。"))
    return full


def store_upload(upload: IO[bytes], *, folder: str) -> StoredFile:
    """Check the size limit and the real type, then write under MEDIA_ROOT/``folder``.

    The name on disk is random; the uploader's name is never used as a path.
    """
    limit = int(settings.UPLOAD_MAX_BYTES)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise ValidationFailed(
            _("文件不能超过 %(mb)s MB。") % {"mb": f"{limit / 1024 / 1024:g}"},
            code="upload_too_large",
        )
    if not data:
        raise ValidationFailed(_("文件是空的。"), code="upload_empty")
    kind = sniff(data[:16])
    if kind is None:
        raise ValidationFailed(
            _("只接受 JPEG、PNG、WebP 图片或 PDF 文件。"), code="upload_type_not_allowed"
        )
    content_type, ext = kind
    return store_bytes(data, folder=folder, ext=ext, content_type=content_type)


def store_bytes(data: bytes, *, folder: str, ext: str, content_type: str) -> StoredFile:
    relative = f"{folder}/{uuid.uuid4().hex}.{ext}"
    full = media_path(relative)
    full.parent.mkdir(parents=True, exist_ok=True)
    full.write_bytes(data)
    return StoredFile(
        path=relative,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )
