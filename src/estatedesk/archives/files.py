"""Stored files of the archive: type sniffing, storage under MEDIA_ROOT, watermarked rendering
and drawn signatures.

Nothing here is reachable by URL: files are written with random names under
``settings.MEDIA_ROOT / "archives"`` and read back only by views that checked access first.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw, ImageFont, UnidentifiedImageError

from estatedesk.archives.enums import IMAGE_TYPES, ContentType
from estatedesk.core.errors import ValidationFailed

MAX_PIXELS = 40_000_000  # refuse decompression bombs long before Pillow's own limit
RENDER_MAX_SIDE = 1600  # the viewer never receives the full-resolution original
SIGNATURE_MAX_BYTES = 300 * 1024
SIGNATURE_MAX_SIDE = 1200
_DATA_URL_PREFIX = "data:image/png;base64,"

_EXTENSIONS: dict[str, frozenset[str]] = {
    ContentType.PDF: frozenset({".pdf"}),
    ContentType.JPEG: frozenset({".jpg", ".jpeg"}),
    ContentType.PNG: frozenset({".png"}),
    ContentType.WEBP: frozenset({".webp"}),
}
_PIL_FORMATS: dict[str, str] = {
    ContentType.JPEG: "JPEG",
    ContentType.PNG: "PNG",
    ContentType.WEBP: "WEBP",
}


def sniff(head: bytes) -> str | None:
    """The content type from the file's first bytes (magic numbers), never from its name."""
    if head.startswith(b"%PDF-"):
        return ContentType.PDF
    if head.startswith(b"\xff\xd8\xff"):
        return ContentType.JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return ContentType.PNG
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return ContentType.WEBP
    return None


@dataclass(frozen=True)
class CheckedUpload:
    content: bytes
    content_type: str
    sha256: str
    original_name: str
    width: int | None
    height: int | None


def check_upload(file: IO[bytes], name: str) -> CheckedUpload:
    """Validate an uploaded archive file: size, magic bytes, name matching the content, and for
    images that Pillow decodes them within the pixel limit. Raises ValidationFailed."""
    limit = int(settings.UPLOAD_MAX_BYTES)
    content = file.read(limit + 1)
    if not content:
        raise ValidationFailed(_("文件是空的。"))
    if len(content) > limit:
        raise ValidationFailed(_("文件超过大小上限 %(mb).1f MB。") % {"mb": limit / 1024 / 1024})
    content_type = sniff(content[:16])
    if content_type is None:
        raise ValidationFailed(_("只接受 PDF、JPEG、PNG 或 WebP 文件（按文件内容判断）。"))
    extension = Path(name).suffix.lower()
    if extension not in _EXTENSIONS[content_type]:
        raise ValidationFailed(_("文件扩展名与文件内容不符，请检查后重新上传。"))
    width = height = None
    if content_type in IMAGE_TYPES:
        width, height = _image_size(content, _PIL_FORMATS[content_type])
    return CheckedUpload(
        content=content,
        content_type=content_type,
        sha256=hashlib.sha256(content).hexdigest(),
        original_name=Path(name).name[:200],
        width=width,
        height=height,
    )


def _image_size(content: bytes, expected_format: str) -> tuple[int, int]:
    try:
        with Image.open(io.BytesIO(content)) as probe:
            if probe.format != expected_format:
                raise ValidationFailed(_("图片内容无法识别。"))
            width, height = probe.size
            if width * height > MAX_PIXELS:
                raise ValidationFailed(_("图片像素过大，请缩小后上传。"))
            probe.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise ValidationFailed(_("图片已损坏或无法识别。")) from exc
    return width, height


def _root() -> Path:
    return Path(settings.MEDIA_ROOT) / "archives"


def store(content: bytes, *, folder: str) -> str:
    """Write ``content`` under a random name; returns the name relative to MEDIA_ROOT/archives.

    Written to a temporary file and renamed, so a reader never sees half a file.
    """
    directory = _root() / folder
    directory.mkdir(parents=True, exist_ok=True)
    name = f"{folder}/{secrets.token_hex(16)}"
    target = _root() / name
    temporary = target.with_suffix(".part")
    with open(temporary, "xb") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
    temporary.replace(target)
    return name


def remove(name: str) -> None:
    """Delete a stored file written by a transaction that did not commit."""
    (_root() / name).unlink(missing_ok=True)


def read(name: str) -> bytes:
    path = (_root() / name).resolve()
    if _root().resolve() not in path.parents:
        raise ValidationFailed(_("文件路径无效。"))
    return path.read_bytes()


def watermark_text(*, viewer_label: str, at_label: str, grant_id: int | None) -> str:
    """What is burned into every rendered page: the viewer and the time (AR-3).

    ASCII only, so it renders with Pillow's bundled font on every machine.
    """
    grant = f"G{grant_id}" if grant_id else "CS"
    return f"{viewer_label} {at_label} {grant} NO COPY"


def render_watermarked(content: bytes, *, text: str) -> bytes:
    """A PNG of the image, scaled to at most RENDER_MAX_SIDE, with ``text`` tiled diagonally
    across it. Metadata (EXIF, location) of the original is dropped by re-encoding."""
    with Image.open(io.BytesIO(content)) as source:
        source.draft("RGB", (RENDER_MAX_SIDE, RENDER_MAX_SIDE))
        image = source.convert("RGB")
    image.thumbnail((RENDER_MAX_SIDE, RENDER_MAX_SIDE))
    width, height = image.size
    font_size = max(14, min(width, height) // 22)
    font = ImageFont.load_default(size=font_size)
    stamp = Image.new("RGBA", (width * 2, height * 2), (0, 0, 0, 0))
    draw = ImageDraw.Draw(stamp)
    step_x = max(int(draw.textlength(text, font=font)) + font_size * 3, 1)
    step_y = font_size * 5
    for y in range(0, height * 2, step_y):
        offset = (y // step_y % 2) * step_x // 2
        for x in range(-step_x, width * 2, step_x):
            draw.text((x + offset, y), text, font=font, fill=(200, 30, 30, 90))
    rotated = stamp.rotate(30, resample=Image.Resampling.BICUBIC)
    left, top = width // 2, height // 2
    overlay = rotated.crop((left, top, left + width, top + height))
    base = image.convert("RGBA")
    base.alpha_composite(overlay)
    # A solid footer line stays legible whatever the background.
    footer = ImageDraw.Draw(base)
    footer.rectangle((0, height - font_size - 8, width, height), fill=(255, 255, 255, 220))
    footer.text((6, height - font_size - 5), text, font=font, fill=(180, 0, 0, 255))
    out = io.BytesIO()
    base.convert("RGB").save(out, format="PNG", optimize=True)
    return out.getvalue()


def decode_signature(data_url: str) -> bytes:
    """AR-2: a signature drawn on the screen arrives as a PNG data URL. It must be a real PNG,
    of sensible size, and not blank. Returns the PNG bytes re-encoded by Pillow."""
    if not data_url.startswith(_DATA_URL_PREFIX):
        raise ValidationFailed(_("签名数据无效，请重新签名。"))
    encoded = data_url[len(_DATA_URL_PREFIX) :]
    if len(encoded) > SIGNATURE_MAX_BYTES * 4 // 3 + 4:
        raise ValidationFailed(_("签名图片过大。"))
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValidationFailed(_("签名数据无效，请重新签名。")) from exc
    if sniff(raw[:16]) != ContentType.PNG:
        raise ValidationFailed(_("签名数据无效，请重新签名。"))
    try:
        with Image.open(io.BytesIO(raw)) as probe:
            if max(probe.size) > SIGNATURE_MAX_SIDE:
                raise ValidationFailed(_("签名图片过大。"))
            image = probe.convert("RGBA")
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise ValidationFailed(_("签名数据无效，请重新签名。")) from exc
    flattened = Image.alpha_composite(Image.new("RGBA", image.size, "white"), image)
    ink_box = flattened.convert("L").point(lambda v: 255 if v < 200 else 0).getbbox()
    if ink_box is None:
        raise ValidationFailed(_("签名为空，请让住户在框内签名。"))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
