"""Upload checks: the type comes from the file's first bytes, never from its name or the
browser's Content-Type, and the size is capped by ``settings.UPLOAD_MAX_BYTES``."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from estatedesk.core.errors import ValidationFailed

ALLOWED_LABEL = "JPEG / PNG / WebP / PDF"


def sniff(head: bytes) -> str | None:
    """The content type of a file starting with ``head`` (at least 12 bytes), or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def check_upload(upload: Any) -> str:
    """Validate an uploaded file; returns its sniffed content type."""
    name = getattr(upload, "name", "") or _("文件")
    size = getattr(upload, "size", None) or 0
    limit = settings.UPLOAD_MAX_BYTES
    if size <= 0:
        raise ValidationFailed(_("文件 %(name)s 是空的。") % {"name": name}, code="upload_empty")
    if size > limit:
        raise ValidationFailed(
            _("文件 %(name)s 超过 %(mb).0f MB 上限。") % {"name": name, "mb": limit / 1024 / 1024},
            code="upload_too_large",
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    content_type = sniff(head)
    if content_type is None:
        raise ValidationFailed(
            _("文件 %(name)s 的格式不支持，只接受 %(types)s。")
            % {"name": name, "types": ALLOWED_LABEL},
            code="upload_type",
        )
    return content_type
