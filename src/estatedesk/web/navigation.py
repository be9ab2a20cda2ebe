"""The staff menu, assembled from every app's ``nav.py`` (``ITEMS = [NavItem(...)]``).

Entries are grouped into sections by the app that declares them, so a dispatcher scanning the
sidebar finds "值班" or "违章" as one block; within a section they keep their ``order``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from estatedesk.core.discovery import app_modules
from estatedesk.org import roles


@dataclass(frozen=True)
class NavItem:
    label: Any
    url_name: str
    roles: frozenset[str]
    icon: str = "circle"
    order: int = 100


# app label -> (section order, section title); apps not listed fall under "其他".
SECTIONS: dict[str, tuple[int, Any]] = {
    "web": (0, ""),
    "emergencies": (10, _("紧急")),
    "tickets": (20, _("报事与工单")),
    "dispatch": (20, _("报事与工单")),
    "complaints": (30, _("投诉")),
    "duty": (40, _("值班")),
    "violations": (50, _("违章")),
    "archives": (60, _("业户档案")),
    "reports": (70, _("统计与品质")),
    "triage": (70, _("统计与品质")),
    "notify": (90, _("我的")),
}
_OTHER = (80, _("其他"))


def sections_for(user: Any) -> list[dict[str, Any]]:
    """Sections ``[{"title", "items": [{"label", "url", "icon"}]}]`` the user's roles may see."""
    held: set[str] = set()
    for site_roles in roles.roles_by_site(user).values():
        held |= site_roles
    sections: dict[tuple[int, str], list[tuple[int, dict[str, Any]]]] = {}
    for label, module in app_modules("nav"):
        section_order, title = SECTIONS.get(label, _OTHER)
        for item in getattr(module, "ITEMS", []):
            if not item.roles & held:
                continue
            try:
                url = reverse(item.url_name)
            except NoReverseMatch:
                continue
            entry = {"label": item.label, "url": url, "icon": item.icon}
            # web's own admin entries (import, tokens) go to the end, under "我的".
            key = (section_order, str(title)) if item.order < 900 else (90, str(_("我的")))
            sections.setdefault(key, []).append((item.order, entry))
    return [
        {"title": title, "items": [entry for _order, entry in sorted(rows, key=lambda r: r[0])]}
        for (_order, title), rows in sorted(sections.items(), key=lambda kv: kv[0])
    ]


def items_for(user: Any) -> list[dict[str, Any]]:
    """The same entries as one flat list, in menu order."""
    return [item for section in sections_for(user) for item in section["items"]]
