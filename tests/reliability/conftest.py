"""Fixtures of the reliability tests: the chaos harness of ``scripts/chaos`` (the company
default SLA policies come from the root conftest's ``_reference_data``)."""

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
