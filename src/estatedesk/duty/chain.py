"""The duty log's hash chain (DT-8): how an entry's hash is computed and how a chain is verified.

``hash = SHA-256(canonical JSON of {content, prev})`` where ``content`` is the entry's content
fields (``DutyLogEntry.content()``) and ``prev`` the hash of the previous entry of the same site
(``GENESIS_HASH`` for entry 1). Changing any hashed field of an entry breaks its own hash;
recomputing that hash breaks the next entry's ``prev_hash``; removing an entry leaves a gap in the
sequence; removing entries from the end disagrees with the chain head.

Pruning (RT-2) removes a prefix of the chain and records a ``DutyLogAnchor`` (the first kept
number and the hash of the last removed entry): verification starts at the oldest kept entry
and checks its ``prev_hash`` against that anchor, so a pruned chain still verifies.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from estatedesk.duty.models import GENESIS_HASH, DutyLogAnchor, DutyLogChain, DutyLogEntry
from estatedesk.org.models import Site


def compute_hash(content: dict[str, Any], prev_hash: str) -> str:
    payload = json.dumps(
        {"content": content, "prev": prev_hash},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def entry_hash(entry: DutyLogEntry) -> str:
    return compute_hash(entry.content(), entry.prev_hash)


@dataclass(frozen=True)
class ChainProblem:
    """The first broken entry of a chain (``seq``/``entry_id`` None when no entry is left)."""

    seq: int | None
    entry_id: int | None
    reason: str


@dataclass(frozen=True)
class ChainReport:
    site_id: int
    site_code: str
    entries: int
    first_seq: int | None
    last_seq: int | None
    anchored: bool
    problem: ChainProblem | None

    @property
    def ok(self) -> bool:
        return self.problem is None


def _entries(site_id: int, chunk_size: int) -> Iterator[DutyLogEntry]:
    # Streams the chain in (site, seq) order off the dutylog_site_seq unique index.
    return (
        DutyLogEntry.objects.filter(site_id=site_id).order_by("seq").iterator(chunk_size=chunk_size)
    )


def verify_site(site: Site, *, chunk_size: int = 2000) -> ChainReport:
    """Walk one site's chain and stop at the first broken entry."""
    head = DutyLogChain.objects.filter(site=site).first()
    anchors = dict(DutyLogAnchor.objects.filter(site=site).values_list("seq", "prev_hash"))
    count = 0
    first: DutyLogEntry | None = None
    previous: DutyLogEntry | None = None
    anchored = False

    def report(problem: ChainProblem | None) -> ChainReport:
        return ChainReport(
            site_id=site.pk,
            site_code=site.code,
            entries=count,
            first_seq=first.seq if first else None,
            last_seq=previous.seq if previous else None,
            anchored=anchored,
            problem=problem,
        )

    for entry in _entries(site.pk, chunk_size):
        count += 1
        if previous is None:
            first = entry
            if entry.seq == 1:
                expected_prev = GENESIS_HASH
            elif entry.seq in anchors:
                anchored = True
                expected_prev = anchors[entry.seq]
            else:
                return report(
                    ChainProblem(
                        entry.seq,
                        entry.pk,
                        _("第 1–%(last)d 条记录缺失，且没有删除锚点。") % {"last": entry.seq - 1},
                    )
                )
            if entry.prev_hash != expected_prev:
                return report(
                    ChainProblem(entry.seq, entry.pk, _("首条记录的前序哈希与链起点不符。"))
                )
        else:
            if entry.seq != previous.seq + 1:
                return report(
                    ChainProblem(
                        entry.seq,
                        entry.pk,
                        _("第 %(a)d–%(b)d 条记录缺失（被删除）。")
                        % {"a": previous.seq + 1, "b": entry.seq - 1},
                    )
                )
            if entry.prev_hash != previous.hash:
                return report(
                    ChainProblem(
                        entry.seq,
                        entry.pk,
                        _("前序哈希与第 %(seq)d 条不符：第 %(seq)d 条被改动或替换。")
                        % {"seq": previous.seq},
                    )
                )
        if entry_hash(entry) != entry.hash:
            return report(ChainProblem(entry.seq, entry.pk, _("内容被改动（哈希不符）。")))
        previous = entry

    if head is None:
        if previous is not None:
            return report(ChainProblem(previous.seq, previous.pk, _("链头缺失。")))
        return report(None)
    if previous is None:
        # Everything pruned: the chain head must meet the last anchor.
        if head.last_seq == 0 or anchors.get(head.last_seq + 1) == head.last_hash:
            anchored = head.last_seq > 0
            return report(None)
        return report(ChainProblem(None, None, _("全部 %(n)d 条记录缺失。") % {"n": head.last_seq}))
    if head.last_seq != previous.seq:
        return report(
            ChainProblem(
                previous.seq,
                previous.pk,
                _("链尾第 %(a)d–%(b)d 条记录缺失（被删除）。")
                % {"a": previous.seq + 1, "b": head.last_seq},
            )
        )
    if head.last_hash != previous.hash:
        return report(ChainProblem(previous.seq, previous.pk, _("与链头记录的哈希不符。")))
    return report(None)


def sites_with_chains() -> list[Site]:
    site_ids = set(DutyLogChain.objects.values_list("site_id", flat=True))
    site_ids |= set(DutyLogEntry.objects.order_by().values_list("site_id", flat=True).distinct())
    return list(Site.objects.filter(pk__in=site_ids).order_by("code"))


def verify_all(*, chunk_size: int = 2000) -> list[ChainReport]:
    return [verify_site(site, chunk_size=chunk_size) for site in sites_with_chains()]
