"""The starter labeled set (``data/reports.csv``) and its fixed held-out split.

The CSV is written by ``data/build_dataset.py`` (deterministic) and kept in the repository. The
held-out part is chosen by a seeded hash of each report's text, so it never depends on row
order, identical texts always fall on the same side, and nothing in the held-out part is ever
used to train a model.
"""

from __future__ import annotations

import csv
import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path

DATA_FILE = Path(__file__).with_name("data") / "reports.csv"
COLUMNS = ("text", "kind", "department", "severity", "is_emergency", "emergency_category", "source")
SPLIT_SEED = "estatedesk-triage-2026"
HELD_OUT_PERCENT = 20


@dataclass(frozen=True)
class Row:
    text: str
    kind: str
    department: str
    severity: str  # "" unless kind is complaint
    is_emergency: bool
    emergency_category: str  # "" unless is_emergency
    source: str  # "template" or "handwritten"

    @property
    def held_out(self) -> bool:
        return is_held_out(self.text)


def is_held_out(text: str) -> bool:
    digest = hashlib.sha256(f"{SPLIT_SEED}:{text}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % 100 < HELD_OUT_PERCENT


@functools.cache
def rows() -> tuple[Row, ...]:
    with DATA_FILE.open(encoding="utf-8", newline="") as handle:
        return tuple(
            Row(
                text=record["text"],
                kind=record["kind"],
                department=record["department"],
                severity=record["severity"],
                is_emergency=record["is_emergency"] == "1",
                emergency_category=record["emergency_category"],
                source=record["source"],
            )
            for record in csv.DictReader(handle)
        )


def training_rows() -> list[Row]:
    return [row for row in rows() if not row.held_out]


def held_out_rows() -> list[Row]:
    return [row for row in rows() if row.held_out]


@functools.cache
def digest() -> str:
    """SHA-256 of the CSV: part of the starter model's version."""
    return hashlib.sha256(DATA_FILE.read_bytes()).hexdigest()
