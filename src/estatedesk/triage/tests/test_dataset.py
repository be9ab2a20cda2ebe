"""The starter labeled set: size, coverage of every label (RQ-1, RQ-4, CP-3, EM-1), the
deterministic build and the fixed held-out split."""

from __future__ import annotations

import importlib.util
import sys
from collections import Counter

from estatedesk.org.enums import DepartmentKind
from estatedesk.triage import dataset
from estatedesk.triage.enums import EmergencyCategory, Kind, Severity


def _builder():
    spec = importlib.util.spec_from_file_location(
        "build_dataset", dataset.DATA_FILE.with_name("build_dataset.py")
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    return module


def test_dataset_has_enough_rows_and_handwritten_reports() -> None:
    rows = dataset.rows()
    sources = Counter(row.source for row in rows)
    assert len(rows) >= 800
    assert sources["handwritten"] >= 150
    assert set(sources) == {"template", "handwritten"}
    assert len({row.text for row in rows}) == len(rows)


def test_dataset_covers_every_kind_department_severity_and_category_rq1_rq4_cp3() -> None:
    rows = dataset.rows()
    assert {row.kind for row in rows} == set(Kind.values)
    assert {row.department for row in rows} == set(DepartmentKind.values)
    assert {row.severity for row in rows if row.kind == Kind.COMPLAINT} == set(Severity.values)
    assert {row.severity for row in rows if row.kind != Kind.COMPLAINT} == {""}
    urgent = [row for row in rows if row.is_emergency]
    assert {row.emergency_category for row in urgent} == set(EmergencyCategory.values)
    assert {row.emergency_category for row in rows if not row.is_emergency} == {""}
    department_counts = Counter(row.department for row in rows)
    assert min(department_counts.values()) >= 30


def test_build_script_reproduces_the_committed_csv_exactly() -> None:
    assert _builder().render() == dataset.DATA_FILE.read_text(encoding="utf-8")


def test_held_out_split_is_fixed_disjoint_and_about_a_fifth() -> None:
    training = {row.text for row in dataset.training_rows()}
    held_out = {row.text for row in dataset.held_out_rows()}
    assert not training & held_out
    assert len(training) + len(held_out) == len(dataset.rows())
    assert 0.15 <= len(held_out) / len(dataset.rows()) <= 0.25
    # The split depends on the text only, never on row order or a run.
    assert dataset.is_held_out(dataset.held_out_rows()[0].text)
    assert not dataset.is_held_out(dataset.training_rows()[0].text)
    held_out_urgent = [row for row in dataset.held_out_rows() if row.is_emergency]
    assert len(held_out_urgent) >= 30
