from __future__ import annotations

from typing import Any

import pytest

from estatedesk.violations.tests.factories import staff_set


@pytest.fixture
def staff(site: Any, make_staff: Any) -> dict[str, Any]:
    return staff_set(site, make_staff)
