"""Triage fixtures: model files go to a per-test VAR_DIR; staff of the ``site`` fixture."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from estatedesk.org.enums import DepartmentKind, Role


@pytest.fixture(autouse=True)
def _var_dir(settings: Any, tmp_path: Path) -> None:
    # The starter model stays cached in memory across tests; company model files land here.
    settings.VAR_DIR = tmp_path / "var"


@pytest.fixture
def assistant(site: Any, make_staff: Any) -> Any:
    return make_staff(site, Role.CS_ASSISTANT, DepartmentKind.CUSTOMER_SERVICE, username="wang")


@pytest.fixture
def supervisor(site: Any, make_staff: Any) -> Any:
    return make_staff(site, Role.CS_SUPERVISOR, DepartmentKind.CUSTOMER_SERVICE, username="chen")


@pytest.fixture
def plumber(site: Any, make_staff: Any) -> Any:
    return make_staff(site, Role.DEPT_STAFF, DepartmentKind.ENGINEERING, username="ma")
