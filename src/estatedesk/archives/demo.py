"""Demo data for 示例花园: archive documents (generated PNG pages), keys (one lent and overdue),
a pending access request and a contact request. Idempotent: a second run adds nothing."""

from __future__ import annotations

import datetime as dt
import io

from django.contrib.auth import get_user_model
from django.db import transaction
from PIL import Image, ImageDraw, ImageFont

from estatedesk.archives import services
from estatedesk.archives.enums import DocumentKind
from estatedesk.archives.models import AccessGrant, ArchiveDocument, ContactRequest, Key, KeyLoan
from estatedesk.core import clock
from estatedesk.org.enums import Relation, UnitStatus
from estatedesk.org.models import Site, Unit

DEMO_DOCUMENTS = [
    (DocumentKind.COVENANT, "OWNERS' COVENANT"),
    (DocumentKind.SERVICE_AGREEMENT, "PRELIMINARY PROPERTY SERVICE AGREEMENT"),
    (DocumentKind.HANDOVER_FORM, "UNIT HANDOVER FORM"),
]


def _page(title: str, unit: Unit) -> io.BytesIO:
    """A form-like page; ASCII text so it renders with Pillow's bundled font anywhere."""
    image = Image.new("RGB", (850, 1100), "white")
    draw = ImageDraw.Draw(image)
    big = ImageFont.load_default(size=34)
    small = ImageFont.load_default(size=20)
    draw.text((60, 60), title, font=big, fill=(20, 20, 20))
    draw.text(
        (60, 120),
        f"Building {unit.building.sort_order}  Unit {unit.number}  -  demo document",
        font=small,
        fill=(80, 80, 80),
    )
    for row in range(16):
        y = 200 + row * 52
        draw.line((60, y, 790, y), fill=(200, 200, 200), width=2)
        draw.text(
            (70, y + 12),
            f"{row + 1}.  clause / item ..........................",
            font=small,
            fill=(60, 60, 60),
        )
    draw.rectangle((520, 1000, 790, 1060), outline=(120, 120, 120), width=2)
    draw.text((530, 1015), "signature", font=small, fill=(120, 120, 120))
    out = io.BytesIO()
    image.save(out, format="PNG")
    out.seek(0)
    return out


def _user(username: str) -> object | None:
    return get_user_model().objects.filter(username=username).first()


@transaction.atomic
def seed(*, site: Site) -> list[str]:
    desk = _user("assistant")
    if desk is None:
        return []
    lines: list[str] = []
    owned = list(
        Unit.objects.filter(
            site=site, occupancies__relation=Relation.OWNER, status=UnitStatus.OCCUPIED
        )
        .select_related("building")
        .order_by("pk")
        .distinct()[:5]
    )
    for unit in owned[:2]:
        if ArchiveDocument.objects.filter(unit=unit).exists():
            continue
        for kind, title in DEMO_DOCUMENTS:
            services.document_upload(
                unit=unit,
                kind=kind,
                title="",
                file=_page(title, unit),
                name=f"{kind}.png",
                actor=desk,
            )
        lines.append(f"档案文件：{unit.label} 3 份")

    if not Key.objects.filter(site=site).exists():
        keys = [
            services.key_register(
                unit=unit,
                tag=f"K-{unit.building.sort_order}-{unit.number}",
                label="入户门钥匙",
                copies=2,
                actor=desk,
            )
            for unit in owned[2:5]
        ]
        if keys:
            plumber = _user("plumber")
            loan = services.key_lend(
                key=keys[0],
                expected_version=keys[0].version,
                borrower_name="",
                borrower_user=plumber,
                borrower_org="工程维修部",
                purpose="检修入户水管",
                due_at=clock.now() + dt.timedelta(hours=1),
                actor=desk,
            )
            # Demo only: move the loan into the past so the register shows an overdue key.
            now = clock.now()
            KeyLoan.objects.filter(pk=loan.pk).update(
                lent_at=now - dt.timedelta(days=1), due_at=now - dt.timedelta(hours=3)
            )
            lines.append(f"钥匙 {len(keys)} 把，其中 {keys[0].tag} 借出且逾期")

    leader = _user("eng_leader")
    if owned and leader is not None and not AccessGrant.objects.filter(site=site).exists():
        services.grant_request(unit=owned[0], purpose="核对交房验收表中的维修项目", actor=leader)
        lines.append(f"查阅申请：eng_leader 申请查阅 {owned[0].label}")

    plumber = _user("plumber")
    if owned and plumber is not None and not ContactRequest.objects.filter(site=site).exists():
        services.contact_request_create(
            unit=owned[0], resident=None, reason="约定上门检修漏水时间", actor=plumber
        )
        lines.append("联系业主申请 1 条（plumber）")
    return lines
