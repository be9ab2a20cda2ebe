"""The /triage/ page for supervisors: evaluation table and model versions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from estatedesk.triage import registry
from estatedesk.triage.models import TriageModel

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 1, 3, 0, tzinfo=dt.UTC)


def _models(company, count):
    TriageModel.objects.bulk_create(
        TriageModel(
            company=company,
            version=f"{company.code}-{n}",
            trained_at=NOW + dt.timedelta(days=n),
            n_samples=1000 + n,
            n_company_samples=n,
            metrics={
                "kind_accuracy": 0.95,
                "department_accuracy": 0.93,
                "emergency_recall": 1.0,
                "false_alarm_rate": 0.0,
            },
            file_path=f"/nonexistent/{n}.joblib",
        )
        for n in range(1, count + 1)
    )


def test_supervisor_sees_the_evaluation_table_and_starter_version(client, site, supervisor) -> None:
    client.force_login(supervisor)
    response = client.get("/triage/")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="eval-table"' in body
    assert "请求类别准确率" in body and "紧急情况召回率" in body
    assert registry.starter_version() in body
    assert "起始模型" in body
    assert "还没有训练记录" in body


def test_newest_company_model_is_shown_as_current(client, site, supervisor) -> None:
    _models(site.company, 3)
    client.force_login(supervisor)
    body = client.get("/triage/").content.decode()
    assert "TEST-3" in body and "TEST-1" in body
    assert "还没有训练记录" not in body


def test_assistant_is_refused(client, site, assistant) -> None:
    client.force_login(assistant)
    assert client.get("/triage/").status_code == 403


def test_page_queries_do_not_grow_with_models(client, site, supervisor) -> None:
    client.force_login(supervisor)
    client.get("/triage/")  # the starter evaluation is computed once per process
    _models(site.company, 1)
    with CaptureQueriesContext(connection) as one:
        assert client.get("/triage/").status_code == 200
    TriageModel.objects.all().delete()
    _models(site.company, 20)
    with CaptureQueriesContext(connection) as twenty:
        body = client.get("/triage/").content.decode()
    assert len(one.captured_queries) == len(twenty.captured_queries)
    assert "TEST-20</code>" in body and "TEST-1</code>" in body
