"""The whole UI is available in English: the compiled catalogue and pages rendered in English."""

from __future__ import annotations

import ast
import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from estatedesk.org.enums import Role

pytestmark = pytest.mark.django_db

MESSAGES = Path(__file__).resolve().parents[2] / "locale" / "en" / "LC_MESSAGES"
PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[-#0 +]*\d*(?:\.\d+)?([sdifr%])")


@dataclass
class Entry:
    line: int
    flags: set[str] = field(default_factory=set)
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)


def read_po(path: Path) -> list[Entry]:
    """A small reader for the .po files makemessages writes (obsolete ``#~`` entries skipped)."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int] | None = None
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#~"):
            continue
        if line.startswith("#"):
            if current is not None and current.msgstr:
                entries.append(current)
                current = None
            if current is None:
                current = Entry(line=number)
            if line.startswith("#,"):
                current.flags.update(flag.strip() for flag in line[2:].split(","))
            continue
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            keyword, rest = "", line
        elif keyword in ("msgctxt", "msgid") and current is not None and current.msgstr:
            entries.append(current)
            current = None
        if current is None:
            current = Entry(line=number)
        text = ast.literal_eval(rest)
        if keyword == "msgctxt":
            current.msgctxt, target = text, ("msgctxt", 0)
        elif keyword == "msgid":
            current.msgid, target = text, ("msgid", 0)
        elif keyword == "msgid_plural":
            current.msgid_plural, target = text, ("msgid_plural", 0)
        elif keyword.startswith("msgstr"):
            index = int(keyword[7:-1]) if keyword.startswith("msgstr[") else 0
            current.msgstr[index], target = text, ("msgstr", index)
        elif target is not None:
            name, index = target
            if name == "msgstr":
                current.msgstr[index] += text
            else:
                setattr(current, name, (getattr(current, name) or "") + text)
    if current is not None:
        entries.append(current)
    return entries


def placeholders(text: str) -> list[tuple[str, str]]:
    return sorted((name or "", kind) for name, kind in PLACEHOLDER.findall(text))


@pytest.fixture(scope="module")
def catalogue() -> list[Entry]:
    entries = read_po(MESSAGES / "django.po")
    assert len(entries) > 1000, "the English catalogue looks truncated"
    return entries


def test_english_catalogue_has_no_fuzzy_or_untranslated_entries(catalogue) -> None:
    fuzzy = [e.line for e in catalogue if "fuzzy" in e.flags]
    untranslated = [
        f"{e.line}: {e.msgid}"
        for e in catalogue[1:]
        if not e.msgstr or any(not text.strip() for text in e.msgstr.values())
    ]
    assert catalogue[0].msgid == "" and "Language: en" in catalogue[0].msgstr[0]
    assert fuzzy == []
    assert untranslated == []


def test_english_catalogue_keeps_every_placeholder_and_plural_form(catalogue) -> None:
    wrong = []
    for e in catalogue[1:]:
        if "python-format" not in e.flags:
            continue  # a literal "%", as in "占比(%)"
        if e.msgid_plural is None:
            if placeholders(e.msgstr[0]) != placeholders(e.msgid):
                wrong.append(f"{e.line}: {e.msgid} -> {e.msgstr[0]}")
        else:
            if sorted(e.msgstr) != [0, 1]:
                wrong.append(f"{e.line}: {e.msgid} needs msgstr[0] and msgstr[1]")
            elif placeholders(e.msgstr[1]) != placeholders(e.msgid_plural):
                wrong.append(f"{e.line}: {e.msgid_plural} -> {e.msgstr[1]}")
    assert wrong == []


def test_compiled_catalogue_matches_the_po_file(catalogue) -> None:
    """The committed .mo is what a machine without gettext tools serves: it must be current."""
    with (MESSAGES / "django.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = []
    for e in catalogue[1:]:
        if e.msgid_plural is not None:
            got = [compiled.ngettext(e.msgid, e.msgid_plural, n) for n in (1, 2)]
            want = [e.msgstr[0], e.msgstr[1]]
        elif e.msgctxt is not None:
            got, want = [compiled.pgettext(e.msgctxt, e.msgid)], [e.msgstr[0]]
        else:
            got, want = [compiled.gettext(e.msgid)], [e.msgstr[0]]
        if got != want:
            stale.append(f"{e.line}: {e.msgid}")
    assert stale == []


def test_login_page_in_english_from_accept_language(client) -> None:
    body = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'lang="en"' in body
    assert "Staff sign-in. Residents please use" in body
    assert ">Sign in</button>" in body
    assert "员工登录" not in body and "登录" not in body


def test_staff_pages_in_english_after_choosing_english(client, site, make_staff) -> None:
    client.force_login(make_staff(site, Role.DISPATCHER, username="li"))
    chosen = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert chosen.status_code == 302 and chosen["Location"] == "/"

    home = client.get("/").content.decode()
    assert "Hello, " in home and "Dispatch board" in home and ">Sign out</button>" in home
    assert "您好" not in home and "调度看板" not in home and "退出" not in home

    tickets = client.get("/tickets/").content.decode()
    assert "<title>Tickets" in tickets and "No matching tickets." in tickets
    assert "没有符合条件的工单" not in tickets

    board = client.get("/dispatch/").content.decode()
    assert "Dispatch board" in board and "No open tickets." in board
    assert "调度看板" not in board and "没有未结工单" not in board


def test_chinese_stays_the_default(client, site, make_staff) -> None:
    client.force_login(make_staff(site, Role.DISPATCHER))
    board = client.get("/dispatch/").content.decode()
    assert "调度看板" in board and "Dispatch board" not in board
