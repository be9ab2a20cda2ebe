"""The triage model: character n-gram TF-IDF features and linear heads.

Short Chinese reports have no word boundaries and are full of typos, so the features are
character 1-3 grams (``char_wb``) of the folded text; every head is a logistic regression,
which trains in well under a second on a few thousand reports, answers one report in about a
millisecond and gives a probability we show as the confidence.

Heads: kind (RQ-1), department (RQ-4), complaint severity (CP-3, trained on complaints only),
is-emergency and emergency category. The emergency decision is the rules (``emergency``) OR
the is-emergency head, so a phrasing the rules miss can still be caught (high recall).

numpy, scipy and scikit-learn are imported inside the methods: importing them takes about a
second, and every process imports this module (the API router does), while only the ones
that suggest need them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from estatedesk.triage import emergency
from estatedesk.triage.emergency import EmergencyHit
from estatedesk.triage.enums import EmergencyCategory, HitSource, Kind
from estatedesk.triage.text import for_model

# Bump when features or heads change: the starter model's version (and cache file) follow.
FEATURE_VERSION = "1"
# The is-emergency head fires at this probability; its classes are balanced in training, so
# 0.5 already leans to recall. Chosen on the training split, never on the held-out split.
EMERGENCY_THRESHOLD = 0.5
REGULARISATION_C = 20.0
ANALYZER = "char_wb"
NGRAM_RANGE = (1, 3)
# The rule-category columns sit beside L2-normalised TF-IDF rows, so 1.0 is a strong signal.
RULE_FEATURE_WEIGHT = 1.0
RULE_FEATURES = [f"rule:{category}" for category in EmergencyCategory.values]
_CATEGORY_INDEX = {category: index for index, category in enumerate(EmergencyCategory.values)}


@dataclass(frozen=True)
class Sample:
    """One labeled report; ``weight`` > 1 lets a company's own corrections count more."""

    text: str
    kind: str
    department: str
    severity: str = ""
    is_emergency: bool = False
    emergency_category: str = ""
    weight: float = 1.0
    # False for a company's confirmed suggestions: staff confirm kind, department and severity,
    # not whether it was an emergency, so those rows do not train the emergency heads.
    trains_emergency: bool = True


@dataclass(frozen=True)
class TriageResult:
    """A suggestion for one report; confidences are the model's probabilities in [0, 1]."""

    kind: str
    kind_confidence: float
    department: str
    department_confidence: float
    severity: str | None
    severity_confidence: float | None
    emergency: EmergencyHit | None
    model_version: str


class _Head:
    """A logistic regression, or a constant when the training labels have one class only."""

    def __init__(self, x: Any, labels: Sequence[str], weights: Any, balanced: bool) -> None:
        from sklearn.linear_model import LogisticRegression

        classes = sorted(set(labels))
        self.constant: str | None = None
        if len(classes) <= 1:
            self.constant = classes[0] if classes else ""
        self.model: Any = None
        if self.constant is None:
            self.model = LogisticRegression(
                C=REGULARISATION_C,
                solver="newton-cg",
                max_iter=200,
                class_weight="balanced" if balanced else None,
            )
            self.model.fit(x, list(labels), sample_weight=weights)

    def top(self, x: Any) -> tuple[str, float]:
        if self.model is None:
            return str(self.constant), 1.0
        probabilities = self.model.predict_proba(x)[0]
        best = int(probabilities.argmax())
        return str(self.model.classes_[best]), float(probabilities[best])

    def probability(self, x: Any, label: str) -> float:
        if self.model is None:
            return 1.0 if self.constant == label else 0.0
        classes = list(self.model.classes_)
        if label not in classes:
            return 0.0
        return float(self.model.predict_proba(x)[0][classes.index(label)])


@dataclass
class TriageClassifier:
    version: str
    n_samples: int = 0
    metrics: dict[str, Any] = field(default_factory=dict)

    def fit(self, samples: Sequence[Sample]) -> TriageClassifier:
        if not samples:
            raise ValueError("no training samples")
        # One BLAS thread: on a small sparse problem, thread hand-offs cost more than they save
        # (measured: 10 s with two threads vs 0.2 s with one on the starter set).
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1):
            return self._fit(samples)

    def _fit(self, samples: Sequence[Sample]) -> TriageClassifier:
        import numpy as np
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.vectorizer = TfidfVectorizer(
            analyzer=ANALYZER, ngram_range=NGRAM_RANGE, sublinear_tf=True, lowercase=False
        )
        x, _hits = self._features([s.text for s in samples], fit=True)
        weights = np.array([s.weight for s in samples], dtype=float)
        self.kind_head = _Head(x, [s.kind for s in samples], weights, balanced=False)
        self.department_head = _Head(x, [s.department for s in samples], weights, balanced=False)
        complaints = [i for i, s in enumerate(samples) if s.kind == Kind.COMPLAINT and s.severity]
        self.severity_head = (
            _Head(
                x[complaints],
                [samples[i].severity for i in complaints],
                weights[complaints],
                balanced=False,
            )
            if complaints
            else None
        )
        labeled = [i for i, s in enumerate(samples) if s.trains_emergency]
        self.emergency_head = _Head(
            x[labeled],
            ["1" if samples[i].is_emergency else "0" for i in labeled],
            weights[labeled],
            balanced=True,
        )
        urgent = [i for i in labeled if samples[i].is_emergency and samples[i].emergency_category]
        self.category_head = (
            _Head(
                x[urgent],
                [samples[i].emergency_category for i in urgent],
                weights[urgent],
                balanced=False,
            )
            if urgent
            else None
        )
        self.features = [*self.vectorizer.get_feature_names_out(), *RULE_FEATURES]
        self.n_samples = len(samples)
        return self

    def predict(self, text: str) -> TriageResult:
        x, hits = self._features([text])
        kind, kind_confidence = self.kind_head.top(x)
        department, department_confidence = self.department_head.top(x)
        severity: str | None = None
        severity_confidence: float | None = None
        if kind == Kind.COMPLAINT and self.severity_head is not None:
            severity, severity_confidence = self.severity_head.top(x)
        hit = hits[0]
        if hit is None:
            hit = self._model_emergency(x)
        return TriageResult(
            kind=kind,
            kind_confidence=round(kind_confidence, 4),
            department=department,
            department_confidence=round(department_confidence, 4),
            severity=severity,
            severity_confidence=None
            if severity_confidence is None
            else round(severity_confidence, 4),
            emergency=hit,
            model_version=self.version,
        )

    def severity_for(self, text: str) -> str | None:
        """The severity head's answer for ``text`` as if it were a complaint (CP-3)."""
        if self.severity_head is None:
            return None
        return self.severity_head.top(self._features([text])[0])[0]

    def _features(self, texts: Sequence[str], fit: bool = False) -> tuple[Any, list[Any]]:
        """Character n-gram TF-IDF plus one column per emergency rule category, so the heads
        learn what a rule hit says about kind and department (a fire is a disaster)."""
        from scipy.sparse import csr_matrix, hstack

        folded = [for_model(text) for text in texts]
        grams = self.vectorizer.fit_transform(folded) if fit else self.vectorizer.transform(folded)
        hits = [emergency.detect(text) for text in texts]
        marked = [(row, _CATEGORY_INDEX[hit.category]) for row, hit in enumerate(hits) if hit]
        flags = csr_matrix(
            (
                [RULE_FEATURE_WEIGHT] * len(marked),
                ([row for row, _col in marked], [col for _row, col in marked]),
            ),
            shape=(len(texts), len(RULE_FEATURES)),
        )
        return hstack([grams, flags], format="csr"), hits

    def _model_emergency(self, x: Any) -> EmergencyHit | None:
        probability = self.emergency_head.probability(x, "1")
        if probability < EMERGENCY_THRESHOLD or self.category_head is None:
            return None
        category, _confidence = self.category_head.top(x)
        return EmergencyHit(
            category=category,
            phrase=self._strongest_ngram(x),
            source=HitSource.MODEL,
            confidence=round(probability, 4),
        )

    def _strongest_ngram(self, x: Any) -> str:
        """The n-gram of the report that pushed the is-emergency head most: the "why"."""
        model = self.emergency_head.model
        if model is None or not x.nnz:
            return ""
        row = x.tocsr()
        sign = 1.0 if str(model.classes_[1]) == "1" else -1.0
        contributions = row.data * model.coef_[0][row.indices] * sign
        ranked = sorted(
            zip(contributions, row.indices, strict=True), key=lambda item: -float(item[0])
        )
        grams = [str(self.features[index]).strip() for _score, index in ranked]
        longer = [gram for gram in grams if len(gram) >= 2]
        return (longer or grams)[0]
