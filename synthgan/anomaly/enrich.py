"""Rare-event enrichment: from a few labelled anomalies, make more and train a supervised classifier.

The labelled set of one seed and shot count ``k`` (see :func:`labelled_rows`) is every
normal training row plus ``k`` anomalies drawn from the training anomalies. The other
training anomalies are left out of everything: nobody labelled them, and keeping them
as "normal" rows would mix label noise into the question asked here (does generating
anomalies help?). Draws are nested: the anomalies of a smaller ``k`` are among those
of a larger one, so shot counts are paired like seeds.

Each enrichment arm turns the labelled set into what a classifier
(:class:`~synthgan.augment.classifiers.Classifier`: LightGBM, logistic regression)
is fitted on; the classifier's probability of the anomaly class ranks the test rows.

``none``
    The labelled set as it is.
``random_oversampling``, ``smote_nc``
    Copies of the ``k`` anomalies, or SMOTE-NC interpolations between them (SMOTE or
    SMOTEN when the features are all numeric or all categorical), from
    :mod:`synthgan.augment.arms`.
``<model>``
    A synthgan model (``ctgan``, ``tvae``, ``copula``, ...) fitted on the labelled set,
    label included; anomalies are drawn with exact conditions on the label: natively
    for ``ctgan`` (its conditional vector), by rejection for models without one, which
    gives up (:class:`~synthgan.errors.ConditionError`, reported as a failed arm) when
    the model practically never draws an anomaly (10 anomalies among 5,500 rows).
``<model>@anomalies``
    A synthgan model fitted on the ``k`` anomalies alone, sampled unconditionally
    (fewer than :data:`MIN_GENERATOR_ROWS` anomalies are repeated up to that many rows,
    the least a synthgan model fits on; a copula's marginals and correlations do not
    change by it).

Every arm adds anomalies until anomalies : normal rows reach ``ratio`` (1.0 by default,
as in the augmentation experiment). What an arm hands to a resampler or generator is
checked by the :class:`~synthgan.augment.leakage.LeakageGuard`: neither test rows nor
the unlabelled training anomalies may reach it.

The default generator arm, :data:`DEFAULT_GENERATOR`, was chosen by measurement
(``bench/anomaly_enrich.py``, generator study in ``bench/results/anomaly_enrich.md``).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from synthgan._random import child_seed
from synthgan.augment.arms import Arm, GeneratorArm, NoResampling, RandomOversampling, Resampled, SmoteNC, TrainingRows
from synthgan.augment.classifiers import CLASSIFIER_LABELS, Classifier, FeatureKinds, canonical_features
from synthgan.augment.generators import GeneratorFactory
from synthgan.augment.leakage import LeakageGuard
from synthgan.errors import ConditionError, ConfigError, DataValidationError

__all__ = ["ANOMALIES_ONLY", "BASELINE_ARMS", "DEFAULT_GENERATOR", "AnomaliesOnlyArm", "ArmResult", "arm_description",
           "build_enrichment_arms", "default_enrichment_arms", "generator_models", "labelled_rows", "method_label",
           "method_name", "run_enrichment"]

#: arms that use no synthgan model
BASELINE_ARMS = ("none", "random_oversampling", "smote_nc")
#: suffix of the arms whose generator is fitted on the labelled anomalies alone
ANOMALIES_ONLY = "@anomalies"
#: rows a synthgan model needs to fit (see synthgan.tabular.validate.validate_frame)
MIN_GENERATOR_ROWS = 10
#: the generator arm run by default: a Gaussian copula fitted on the labelled anomalies alone had the best mean
#: PR AUC (0.840) of the generator arms that worked on every table in the study of bench/anomaly_enrich.py (4 ODDS
#: tables x 10/25 labelled anomalies x 3 seeds x 2 classifiers; tvae@anomalies 0.830, ctgan 0.794; tvae and copula
#: conditioned on the label failed on shuttle and mammography, where rejection sampling never found enough anomalies).
#: No generator arm beat training on the labelled rows as they are (0.849) on that average.
DEFAULT_GENERATOR = "copula@anomalies"
_BASELINE_LABELS = {"none": "no resampling", "random_oversampling": "random oversampling", "smote_nc": "SMOTE-NC"}


def default_enrichment_arms() -> tuple[str, ...]:
    """The baseline arms, then :data:`DEFAULT_GENERATOR`."""
    return BASELINE_ARMS + (DEFAULT_GENERATOR,)


def arm_description(arm: str) -> str:
    """Human name of an enrichment arm, e.g. ``"synthgan tvae (fitted on the anomalies only)"``."""
    if arm in _BASELINE_LABELS:
        return _BASELINE_LABELS[arm]
    if arm.endswith(ANOMALIES_ONLY):
        return f"synthgan {arm[: -len(ANOMALIES_ONLY)]} (fitted on the anomalies only)"
    return f"synthgan {arm} (conditional)"


def method_name(classifier: str, arm: str) -> str:
    """Name of a classifier + arm pair in the results, e.g. ``"lightgbm+smote_nc"``."""
    return f"{classifier}+{arm}"


class AnomaliesOnlyArm(Arm):
    """A synthgan model fitted on the labelled anomalies alone; new anomalies are drawn unconditionally."""

    def __init__(self, model: str, factory: GeneratorFactory) -> None:
        self.model = model
        self.name = f"{model}{ANOMALIES_ONLY}"
        self.factory = factory

    def _resample(self, rows, *, seed, ratio, guard):
        anomalies = rows.features.loc[rows.y == 1]
        needed = rows.minority_needed(ratio)
        if needed == 0:
            return _appended(rows, rows.features.iloc[:0])
        guard.check(f"generator '{self.name}'", anomalies)
        if len(anomalies) < MIN_GENERATOR_ROWS:  # repeated up to the rows a model fits on (a copula's fit is unchanged)
            anomalies = anomalies.iloc[np.resize(np.arange(len(anomalies)), MIN_GENERATOR_ROWS)].reset_index(drop=True)
        generator = self.factory(self.model, seed=child_seed(seed, "generator", self.name), n_rows=len(anomalies))
        generator.fit(anomalies)
        sampled = generator.sample(needed, seed=child_seed(seed, "sample", self.name))
        return _appended(rows, sampled[list(rows.features.columns)])


def _appended(rows: TrainingRows, new: pd.DataFrame) -> Resampled:
    features = pd.concat([rows.features, new], ignore_index=True)
    y = np.concatenate([rows.y, np.ones(len(new), dtype=rows.y.dtype)])
    return Resampled(features, y, synthetic=new.reset_index(drop=True))


def build_enrichment_arms(names, factory: GeneratorFactory) -> list[Arm]:
    """Arm objects for ``names`` (see the module docstring); any other name is a synthgan model."""
    names = list(names)
    if len(set(names)) != len(names):
        raise ConfigError(f"enrichment arms must be unique, got {names}")
    simple = {"none": NoResampling, "random_oversampling": RandomOversampling, "smote_nc": SmoteNC}
    arms: list[Arm] = []
    for name in names:
        if not isinstance(name, str) or not name or name == ANOMALIES_ONLY:
            raise ConfigError(f"enrichment arm {name!r} is not a name; use none, random_oversampling, smote_nc, a model "
                              f"such as tvae, or MODEL{ANOMALIES_ONLY}")
        if name in simple:
            arms.append(simple[name]())
        elif name.endswith(ANOMALIES_ONLY):
            arms.append(AnomaliesOnlyArm(name[: -len(ANOMALIES_ONLY)], factory))
        else:
            arms.append(GeneratorArm(name, factory))
    return arms


def generator_models(names) -> list[str]:
    """The synthgan models that ``names`` (enrichment arms) fit."""
    return [n[: -len(ANOMALIES_ONLY)] if n.endswith(ANOMALIES_ONLY) else n for n in names if n not in BASELINE_ARMS]


def labelled_rows(features: pd.DataFrame, labels: pd.Series, positive, train_ids: pd.Index, shots: int, *,
                  seed: int, kinds: FeatureKinds) -> tuple[TrainingRows, pd.Index]:
    """The labelled set of one seed: every normal training row plus ``shots`` training anomalies.

    Parameters
    ----------
    features, labels : DataFrame, Series
        Every row of the table, indexed by unique row ids.
    positive : object
        The label value that marks an anomaly.
    train_ids : Index
        Ids of the training rows of this seed.
    shots : int
        Anomalies to label.
    seed : int
        The seed's draw of anomalies (nested over ``shots``: the same ``seed`` gives the
        first ``shots`` of one permutation).

    Returns
    -------
    rows : TrainingRows
        The labelled set (sorted by row id).
    unlabelled : Index
        Ids of the training anomalies left out (no generator or resampler may see them).
    """
    train_labels = labels.loc[train_ids]
    anomalies = train_ids[(train_labels == positive).to_numpy()]
    if len(anomalies) < shots:
        raise DataValidationError(f"the training split holds {len(anomalies)} anomalies, fewer than the {shots} to label; "
                          "lower the labelled anomalies (--shots) or give more data")
    order = np.random.default_rng(child_seed(seed, "shots")).permutation(len(anomalies))
    chosen = anomalies[np.sort(order[:shots])]
    keep = train_ids[(train_labels != positive).to_numpy()].union(chosen).sort_values()
    rows = TrainingRows(features.loc[keep], labels.loc[keep], positive, kinds)
    return rows, anomalies.difference(chosen)


@dataclass
class ArmResult:
    """One classifier trained on one arm's rows: its test probabilities, seconds and synthetic row count.

    ``scores`` is None (and ``error`` says why) when the arm could not make its rows,
    e.g. a model without native conditions that practically never draws the anomaly value.
    """

    method: str
    classifier: str
    arm: str
    scores: np.ndarray | None
    fit_seconds: float
    score_seconds: float
    n_synthetic: int
    error: str | None = None


def run_enrichment(rows: TrainingRows, arms: list[Arm], classifiers, test_features: pd.DataFrame, *, seed: int,
                   ratio: float, guard: LeakageGuard, n_jobs: int = 1, progress=None) -> list[ArmResult]:
    """Fit every classifier on every arm's rows and score the test rows.

    An arm whose generator cannot draw the anomaly value (:class:`~synthgan.errors.ConditionError`)
    gives results without scores and with the error, one per classifier.

    ``fit_seconds`` is the arm's resampling or generator time plus the classifier's
    fit; ``score_seconds`` the classifier's prediction on ``test_features``.
    """
    kinds = rows.kinds
    test_x = canonical_features(test_features, kinds)
    out = []
    for arm in arms:
        try:
            resampled = arm.resample(rows, seed=child_seed(seed, "arm", arm.name), ratio=float(ratio), guard=guard)
        except ConditionError as exc:  # reported as a failed arm, not a failed experiment
            out.extend(ArmResult(method_name(name, arm.name), name, arm.name, None, math.nan, math.nan, 0, str(exc))
                       for name in classifiers)
            if progress is not None:
                progress(f"{arm_description(arm.name)} failed: {exc}")
            continue
        fit_x = canonical_features(resampled.features, kinds)
        n_synthetic = 0 if resampled.synthetic is None else len(resampled.synthetic)
        for name in classifiers:
            clock = time.perf_counter()
            model = Classifier(name, kinds, seed=child_seed(seed, "classifier", name) % 2**31, n_jobs=n_jobs)
            model.fit(fit_x, resampled.y, resampled.sample_weight)
            fitted = time.perf_counter()
            scores = model.predict_proba(test_x)
            out.append(ArmResult(method_name(name, arm.name), name, arm.name, scores,
                                 resampled.seconds + fitted - clock, time.perf_counter() - fitted, n_synthetic))
        if progress is not None:
            progress(f"{arm_description(arm.name)} done ({resampled.seconds:.1f}s)")
    return out


def method_label(method: str) -> str:
    """Human name of a ``classifier+arm`` method, e.g. ``"LightGBM + SMOTE-NC"``."""
    classifier, _, arm = method.partition("+")
    return f"{CLASSIFIER_LABELS.get(classifier, classifier)} + {arm_description(arm)}"
