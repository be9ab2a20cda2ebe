"""The starter model on the fixed held-out split meets the issue's targets (RQ-1, RQ-4, EM-1).

Latency is reported by ``estatedesk triage-eval``, not asserted here (CI machines vary)."""

from __future__ import annotations

from estatedesk.triage import dataset, registry
from estatedesk.triage.classifier import Sample, TriageClassifier
from estatedesk.triage.enums import HitSource, Kind
from estatedesk.triage.evaluation import evaluate, markdown_table


def test_held_out_targets_kind_department_recall_false_alarms_rq1_rq4_em1() -> None:
    metrics = evaluate(registry.starter(), dataset.held_out_rows())
    assert metrics["n"] == len(dataset.held_out_rows())
    assert metrics["kind_accuracy"] >= 0.90
    assert metrics["department_accuracy"] >= 0.90
    assert metrics["emergency_recall"] == 1.0
    assert metrics["missed_emergencies"] == []
    assert metrics["false_alarm_rate"] <= 0.05


def test_starter_never_trains_on_the_held_out_split() -> None:
    starter = registry.starter()
    assert starter.n_samples == len(dataset.training_rows())
    assert starter.version == registry.starter_version()
    assert starter.version.startswith("starter-")


def test_prediction_carries_confidences_and_complaint_severity_cp3() -> None:
    result = registry.starter().predict("保安态度太差了，问他个事还凶我，我要投诉")
    assert result.kind == Kind.COMPLAINT
    assert result.department == "security"
    assert result.severity == "important"
    assert 0.0 < result.kind_confidence <= 1.0
    assert 0.0 < result.severity_confidence <= 1.0
    assert result.emergency is None
    repair = registry.starter().predict("3栋1201卫生间天花板漏水了")
    assert (repair.kind, repair.department, repair.severity) == (
        Kind.REPAIR,
        "engineering",
        None,
    )
    assert repair.severity_confidence is None


def test_model_half_of_the_detector_explains_itself_em1() -> None:
    # Trained on reports where "快救人" marks an emergency, the model fires on a report that no
    # rule knows, and names the strongest n-gram as the reason.
    samples = [
        Sample(f"{place}快救人啊", Kind.EMERGENCY_MEDICAL, "security", "", True, "medical")
        for place in ("大堂", "车库", "花园", "会所", "东门", "西门")
    ] + [
        Sample(f"{place}的灯坏了", Kind.REPAIR, "engineering")
        for place in ("大堂", "车库", "花园", "会所", "东门", "西门")
    ]
    classifier = TriageClassifier(version="unit").fit(samples)
    hit = classifier.predict("北门快救人啊").emergency
    assert hit is not None
    assert hit.source == HitSource.MODEL
    assert hit.category == "medical"
    assert hit.phrase in {"快救", "救人", "人啊", "快救人", "救人啊"}
    assert classifier.predict("北门的灯坏了").emergency is None


def test_markdown_table_lists_every_measure() -> None:
    metrics = evaluate(registry.starter(), dataset.held_out_rows()[:40])
    table = markdown_table(metrics, version="starter-x")
    for label in (
        "kind accuracy",
        "department accuracy",
        "emergency recall",
        "false alarms",
        "latency p50 / p95",
    ):
        assert label in table
