"""Where trained models live: in memory, and as joblib files under ``VAR_DIR/triage/``.

No model file is kept in git. The starter model is trained from the shipped CSV on first use
(well under a few seconds), cached in memory for the process and written under VAR_DIR so the
next process loads it instead of training. Its version is derived from the CSV's hash, the
feature version and the scikit-learn version, so a changed dataset or library never loads a
stale file. Company models are written by ``services.model_train`` and found by path.
joblib and scikit-learn are imported on first use (see ``classifier``).
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
import uuid
from pathlib import Path

from django.conf import settings

from estatedesk.triage import dataset
from estatedesk.triage.classifier import FEATURE_VERSION, Sample, TriageClassifier

log = logging.getLogger(__name__)

_lock = threading.Lock()
# Keyed by the starter version, or by file path for company models.
_cache: dict[str, TriageClassifier] = {}


def model_dir() -> Path:
    return Path(settings.VAR_DIR) / "triage"


def starter_version() -> str:
    from sklearn import __version__ as sklearn_version

    stamp = f"{dataset.digest()[:8]}{FEATURE_VERSION}{sklearn_version.replace('.', '')}"
    return f"starter-{stamp}"


def starter_samples() -> list[Sample]:
    """The training split of the shipped set (the held-out split is never trained on)."""
    return [
        Sample(
            text=row.text,
            kind=row.kind,
            department=row.department,
            severity=row.severity,
            is_emergency=row.is_emergency,
            emergency_category=row.emergency_category,
        )
        for row in dataset.training_rows()
    ]


def save(classifier: TriageClassifier, path: Path) -> None:
    """Write atomically (temp file + rename): parallel processes never read half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    os.close(handle)
    try:
        import joblib

        joblib.dump(classifier, temp_name)
        os.replace(temp_name, path)
    finally:
        if os.path.exists(temp_name):
            os.unlink(temp_name)


def _load_file(path: Path, version: str) -> TriageClassifier | None:
    if not path.exists():
        return None
    import joblib

    try:
        loaded = joblib.load(path)
    except Exception:
        log.warning("triage model %s at %s could not be read; ignoring it", version, path)
        return None
    if not isinstance(loaded, TriageClassifier) or loaded.version != version:
        log.warning("triage model file %s does not hold version %s; ignoring it", path, version)
        return None
    return loaded


def starter() -> TriageClassifier:
    """The starter model: from memory, else from VAR_DIR, else trained now and saved."""
    version = starter_version()
    cached = _cache.get(version)
    if cached is not None:
        return cached
    with _lock:
        cached = _cache.get(version)
        if cached is None:
            path = model_dir() / f"{version}.joblib"
            cached = _load_file(path, version)
            if cached is None:
                cached = TriageClassifier(version=version).fit(starter_samples())
                try:
                    save(cached, path)
                except OSError:
                    log.warning("could not cache the starter triage model at %s", path)
            _cache[version] = cached
    return cached


def company_model_path(version: str) -> Path:
    """A fresh file name per training: a version number reused after a database reset can
    never pick up another run's file."""
    return model_dir() / f"{version}-{uuid.uuid4().hex[:12]}.joblib"


def load(version: str, path: str) -> TriageClassifier | None:
    """A company model from memory or its file (cached by path); None when the file is gone."""
    cached = _cache.get(path)
    if cached is not None and cached.version == version:
        return cached
    with _lock:
        cached = _load_file(Path(path), version)
        if cached is not None:
            _cache[path] = cached
    return cached


def remember(classifier: TriageClassifier, path: Path) -> None:
    with _lock:
        _cache[str(path)] = classifier
