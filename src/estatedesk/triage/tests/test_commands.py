"""``estatedesk triage-train`` and ``estatedesk triage-eval``."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from estatedesk.triage import registry
from estatedesk.triage.models import TriageModel

pytestmark = pytest.mark.django_db


def test_triage_eval_prints_the_table_and_targets() -> None:
    out = StringIO()
    call_command("triage_eval", stdout=out)
    text = out.getvalue()
    assert f"Model `{registry.starter_version()}`" in text
    assert "| kind accuracy (top-1) |" in text
    assert "| emergency recall | 1.000 | 1.000 | yes |" in text
    assert "latency p50 / p95" in text
    # The closing verdict includes latency, which depends on the machine's load: not asserted.
    assert "targets met" in text or "targets not met: latency_p95_ms" in text


def test_triage_train_registers_the_starter_and_a_company_model(site) -> None:
    out = StringIO()
    call_command("triage_train", stdout=out)
    call_command("triage_train", "--company", "TEST", stdout=out)
    versions = sorted(TriageModel.objects.values_list("version", flat=True))
    assert versions == sorted([registry.starter_version(), "TEST-1"])
    assert "TEST-1:" in out.getvalue()
    eval_out = StringIO()
    call_command("triage_eval", "--company", "TEST", stdout=eval_out)
    assert "Model `TEST-1`" in eval_out.getvalue()


def test_unknown_company_is_an_error() -> None:
    with pytest.raises(CommandError):
        call_command("triage_train", "--company", "NOPE")
    with pytest.raises(CommandError):
        call_command("triage_eval", "--company", "NOPE")
