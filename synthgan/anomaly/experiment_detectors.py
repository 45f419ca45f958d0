"""The unsupervised detectors of the anomaly experiment: synthgan's, scikit-learn's and (optionally) pyod's ECOD.

Every detector is fitted on training rows without their labels and scores the test
rows (higher = more anomalous). synthgan's detectors
(:class:`~synthgan.anomaly.detector.AnomalyDetector`, named ``synthgan:<model>`` for
every name of :func:`synthgan.anomaly.detectors.detector_names`) read the raw columns;
the others read a matrix built on the training rows: numeric columns median-imputed
and standardised, categorical ones one-hot encoded (missing is its own category).

``iforest``  scikit-learn IsolationForest (100 trees).
``lof``      scikit-learn LocalOutlierFactor, 20 neighbours, novelty mode.
``ocsvm``    scikit-learn OneClassSVM (RBF kernel, ``gamma="scale"``, ``nu=0.5``), fitted on at
             most :data:`OCSVM_MAX_ROWS` training rows drawn at random (its fit is quadratic in rows).
``ecod``     pyod's ECOD, only when pyod is installed (never required).
"""

from __future__ import annotations

import importlib.util
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from synthgan._random import child_seed
from synthgan.augment.classifiers import FeatureKinds, canonical_features
from synthgan.errors import ConfigError

SYNTHGAN_PREFIX = "synthgan:"
SKLEARN_DETECTORS = ("iforest", "lof", "ocsvm")
OPTIONAL_DETECTORS = ("ecod",)
OCSVM_MAX_ROWS = 5_000
_LABELS = {"iforest": "IsolationForest", "lof": "LOF", "ocsvm": "one-class SVM", "ecod": "ECOD (pyod)"}


def pyod_installed() -> bool:
    """Whether pyod can be imported (ECOD is then among the default detectors)."""
    return importlib.util.find_spec("pyod") is not None


def synthgan_detectors() -> tuple[str, ...]:
    """``synthgan:<name>`` for every detector :class:`~synthgan.anomaly.detector.AnomalyDetector` knows."""
    from synthgan.anomaly.detectors import detector_names

    return tuple(f"{SYNTHGAN_PREFIX}{name}" for name in detector_names())


def available_detectors() -> tuple[str, ...]:
    """Every detector this machine can run: synthgan's, scikit-learn's, and ECOD when pyod is installed."""
    return synthgan_detectors() + SKLEARN_DETECTORS + (OPTIONAL_DETECTORS if pyod_installed() else ())


def is_synthgan(method: str) -> bool:
    """Whether a detector name is one of synthgan's."""
    return method.startswith(SYNTHGAN_PREFIX)


def detector_label(name: str) -> str:
    """Human name of a detector, e.g. ``"synthgan vae detector"``."""
    if is_synthgan(name):
        return f"synthgan {name[len(SYNTHGAN_PREFIX):]} detector"
    return _LABELS.get(name, name)


def check_detectors(names) -> list[str]:
    """``names`` as a list after checking each one can run here (ConfigError naming the choices)."""
    names = list(names)
    known = set(synthgan_detectors()) | set(SKLEARN_DETECTORS) | set(OPTIONAL_DETECTORS)
    for name in names:
        if name not in known:
            raise ConfigError(f"unknown detector {name!r}; choose from {', '.join(sorted(known))}")
        if name in OPTIONAL_DETECTORS and not pyod_installed():
            raise ConfigError(f"detector {name!r} needs pyod, which is not installed; `pip install pyod` or leave it out")
    if len(set(names)) != len(names):
        raise ConfigError(f"detectors must be unique, got {names}")
    return names


@dataclass
class DetectorResult:
    """One detector's test scores and seconds."""

    method: str
    scores: np.ndarray
    fit_seconds: float
    score_seconds: float


def _matrix(kinds: FeatureKinds):
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    return ColumnTransformer([
        ("num", Pipeline([("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())]), list(kinds.numeric)),
        ("cat", OneHotEncoder(handle_unknown="ignore", sparse_output=False), list(kinds.categorical)),
    ])


def _sklearn_model(name: str, seed: int) -> Any:
    if name == "iforest":
        from sklearn.ensemble import IsolationForest

        return IsolationForest(n_estimators=100, random_state=seed % 2**32)
    if name == "lof":
        from sklearn.neighbors import LocalOutlierFactor

        return LocalOutlierFactor(n_neighbors=20, novelty=True)
    if name == "ocsvm":
        from sklearn.svm import OneClassSVM

        return OneClassSVM(kernel="rbf", gamma="scale", nu=0.5)
    from pyod.models.ecod import ECOD

    return ECOD()


def fit_score_detector(name: str, train: pd.DataFrame, test: pd.DataFrame, kinds: FeatureKinds, *, seed: int,
                       epochs: int | None = None, device: str = "auto", trim: float | None = None) -> DetectorResult:
    """Fit detector ``name`` on ``train`` (features only) and score ``test``; higher = more anomalous.

    ``epochs``, ``device`` and ``trim`` go to synthgan's detectors (``trim=None``: the
    detector's default).
    """
    started = time.perf_counter()
    if is_synthgan(name):
        from synthgan.anomaly.detector import AnomalyDetector

        options = {} if trim is None else {"trim": trim}
        det = AnomalyDetector(name[len(SYNTHGAN_PREFIX):], seed=child_seed(seed, "detector", name), epochs=epochs,
                              device=device, **options).fit(train)
        fitted = time.perf_counter()
        scores = det.score(test)
    else:
        prep = _matrix(kinds)
        x_train = prep.fit_transform(canonical_features(train, kinds))
        if name == "ocsvm" and len(x_train) > OCSVM_MAX_ROWS:
            rows = np.random.default_rng(child_seed(seed, "ocsvm rows")).choice(len(x_train), OCSVM_MAX_ROWS, replace=False)
            x_train = x_train[np.sort(rows)]
        model = _sklearn_model(name, child_seed(seed, "detector", name))
        model.fit(x_train)
        fitted = time.perf_counter()
        x_test = prep.transform(canonical_features(test, kinds))
        scores = model.decision_function(x_test) if name in OPTIONAL_DETECTORS else -model.score_samples(x_test)
    return DetectorResult(name, np.asarray(scores, dtype="float64"), fitted - started, time.perf_counter() - fitted)
