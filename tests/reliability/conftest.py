"""Fixtures of the reliability tests: the chaos harness of ``scripts/chaos`` and the company
default SLA policies (a data migration; a transactional test flushes them, so put them back)."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Any

import pytest

CHAOS_DIR = Path(__file__).resolve().parents[2] / "scripts" / "chaos"


@pytest.fixture(scope="session")
def harness() -> Any:
    if str(CHAOS_DIR) not in sys.path:
        sys.path.insert(0, str(CHAOS_DIR))
    return importlib.import_module("harness")


@pytest.fixture
def default_sla_policies(db: Any) -> None:
    from django.apps import apps

    importlib.import_module("estatedesk.sla.migrations.0002_default_policies").seed(apps, None)
    module = importlib.import_module("estatedesk.sla.migrations.0003_solution_not_for_complaints")
    module.exclude_complaints(apps, None)
