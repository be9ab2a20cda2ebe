"""Small helpers shared by the tickets tests."""

from __future__ import annotations

import io
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from estatedesk.tickets import services

# The smallest valid-looking files of each accepted type (magic bytes + padding).
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
PDF = b"%PDF-1.4\n" + b"0" * 64


def act(ticket: Any, action: str, actor: Any, **payload: Any) -> Any:
    return services.ticket_transition(
        ticket_id=ticket.pk, action=action, actor=actor, payload=payload
    )


def upload(name: str = "photo.png", content: bytes = PNG, content_type: str = "image/png") -> Any:
    return SimpleUploadedFile(name, content, content_type=content_type)


def png_bytes() -> bytes:
    """A real 2x2 PNG (for pages that render it)."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (2, 2), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()
