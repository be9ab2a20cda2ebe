"""The demo complaints of 示例花园: every severity at a different step, made through the
services; a second run adds nothing."""

from __future__ import annotations

from typing import Any

import pytest

from estatedesk.complaints import demo
from estatedesk.complaints.enums import SummaryState
from estatedesk.complaints.models import (
    Complaint,
    CorrectiveAction,
    MonthlyComplaintSummary,
    WeeklyComplaintReport,
)
from estatedesk.org.demo import seed_organisation

pytestmark = pytest.mark.django_db


def test_demo_seeds_complaints_of_each_severity_once(client: Any, django_user_model: Any) -> None:
    site = seed_organisation()
    lines = demo.seed(site=site)
    assert lines[0].startswith("complaints: 11 complaints")
    assert set(Complaint.objects.values_list("severity", flat=True)) == {
        "major",
        "important",
        "minor",
    }
    assert Complaint.objects.filter(upgrade_reason="repeated").count() == 1
    assert Complaint.objects.filter(upgrade_reason="overdue").count() == 1
    assert CorrectiveAction.objects.get().state == "closed"
    assert WeeklyComplaintReport.objects.filter(site=site).count() == 1
    assert MonthlyComplaintSummary.objects.get(site=site).state == SummaryState.SIGNED
    assert demo.seed(site=site) == []
    assert Complaint.objects.count() == 11
    client.force_login(django_user_model.objects.get(username="manager"))
    form_url = lines[1].rsplit(" ", 1)[1]
    record_url = lines[2].rsplit(" ", 1)[1]
    assert client.get(form_url).status_code == 200
    assert client.get(record_url).status_code == 200
