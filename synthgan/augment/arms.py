"""The arms of the augmentation experiment: ways to train a classifier on imbalanced rows.

Each arm turns the training rows of one seed into what a classifier is fitted on
(rows, labels, optional weights) and says which decision rule it deploys. Arms
only ever receive training rows; what they hand to a resampler or generator is
checked by the :class:`~synthgan.augment.leakage.LeakageGuard`.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from synthgan._random import child_seed, numpy_rng
from synthgan.augment.classifiers import FeatureKinds, canonical_features
from synthgan.augment.generators import ConditionalGenerator, GeneratorFactory
from synthgan.augment.leakage import LeakageGuard
from synthgan.errors import ConfigError

BASELINE = "none"
TRANSFER_PREFIX = "transfer:"  # "transfer:<model>": see TransferArm
RESAMPLING_ARMS = ("none", "class_weights", "threshold", "random_oversampling", "smote_nc")
ARM_LABELS = {
    "none": "no resampling",
    "class_weights": "class weights",
    "threshold": "threshold tuned on validation",
    "random_oversampling": "random oversampling",
    "smote_nc": "SMOTE-NC",
}


def generator_arms() -> tuple[str, ...]:
    """The models compared by default: table models whose capabilities say ``augmentation_arm=True``."""
    from synthgan.core.registry import models_with

    return tuple(models_with("table", augmentation_arm=True))


def default_arms() -> tuple[str, ...]:
    """Every resampling arm, then :func:`generator_arms`."""
    return RESAMPLING_ARMS + generator_arms()


def __getattr__(name: str) -> tuple[str, ...]:
    # GENERATOR_ARMS and DEFAULT_ARMS are asked of the registry when read, never kept by hand.
    if name == "GENERATOR_ARMS":
        return generator_arms()
    if name == "DEFAULT_ARMS":
        return default_arms()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def arm_label(name: str) -> str:
    """Human name of an arm (generator arms read ``synthgan <model>``, transfer arms ``synthgan <model> fitted on the whole split``)."""
    if name.startswith(TRANSFER_PREFIX):
        return f"synthgan {name[len(TRANSFER_PREFIX):]} fitted on the whole training split"
    return ARM_LABELS.get(name, f"synthgan {name}")


@dataclass
class TrainingRows:
    """The training rows of one seed: raw features and original labels indexed by row id; ``y`` is 1 for the minority."""

    features: pd.DataFrame
    labels: pd.Series
    positive_label: object
    kinds: FeatureKinds
    pool: pd.DataFrame | None = None  # with a train size: the whole training split (features + target) it was drawn from

    @property
    def target(self) -> str:
        return str(self.labels.name)

    @property
    def y(self) -> np.ndarray:
        return (self.labels == self.positive_label).to_numpy(dtype="int64")

    def frame(self) -> pd.DataFrame:
        """Features plus the target column with the original labels (what a generator learns from)."""
        return self.features.assign(**{self.target: self.labels})

    def pool_frame(self) -> pd.DataFrame:
        """The rows a transfer arm's generator learns from: the whole training split, else :meth:`frame`."""
        return self.pool if self.pool is not None else self.frame()

    def minority_needed(self, ratio: float) -> int:
        """Minority rows to add so minority : majority reaches ``ratio``."""
        n_minor = int(self.y.sum())
        return max(0, math.ceil(ratio * (len(self.y) - n_minor) - 1e-9) - n_minor)


@dataclass
class Resampled:
    """What one arm trains on, and the synthetic minority rows it created (for the privacy check)."""

    features: pd.DataFrame
    y: np.ndarray
    sample_weight: np.ndarray | None = None
    synthetic: pd.DataFrame | None = None
    tuned_decision: bool = False
    seconds: float = 0.0


class Arm:
    """Base class: :meth:`resample` checks the input with the guard, times :meth:`_resample`."""

    name = "arm"

    def resample(self, rows: TrainingRows, *, seed: int, ratio: float, guard: LeakageGuard) -> Resampled:
        guard.check(f"arm '{self.name}'", rows.features)
        started = time.perf_counter()
        out = self._resample(rows, seed=seed, ratio=ratio, guard=guard)
        out.seconds = time.perf_counter() - started
        return out

    def _resample(self, rows: TrainingRows, *, seed: int, ratio: float, guard: LeakageGuard) -> Resampled:
        return Resampled(rows.features, rows.y)


class NoResampling(Arm):
    name = "none"


class ThresholdTuning(Arm):
    """Same model as no resampling; deploys the threshold tuned on validation instead of 0.5."""

    name = "threshold"

    def _resample(self, rows, *, seed, ratio, guard):
        return Resampled(rows.features, rows.y, tuned_decision=True)


class ClassWeights(Arm):
    """Balanced sample weights: each class carries half of the total weight."""

    name = "class_weights"

    def _resample(self, rows, *, seed, ratio, guard):
        counts = np.bincount(rows.y, minlength=2).astype("float64")
        weights = (len(rows.y) / (2.0 * counts))[rows.y]
        return Resampled(rows.features, rows.y, sample_weight=weights)


def _appended(rows: TrainingRows, new_features: pd.DataFrame, **kwargs) -> Resampled:
    features = pd.concat([rows.features, new_features], ignore_index=True)
    y = np.concatenate([rows.y, np.ones(len(new_features), dtype=rows.y.dtype)])
    return Resampled(features, y, synthetic=new_features.reset_index(drop=True), **kwargs)


class RandomOversampling(Arm):
    """Copies of minority rows drawn with replacement."""

    name = "random_oversampling"

    def _resample(self, rows, *, seed, ratio, guard):
        minority = np.flatnonzero(rows.y == 1)
        picks = numpy_rng(seed, "random_oversampling").choice(minority, size=rows.minority_needed(ratio), replace=True)
        return _appended(rows, rows.features.iloc[picks])


class SmoteNC(Arm):
    """SMOTE-NC from imbalanced-learn (SMOTE or SMOTEN when the features are all numeric or all categorical).

    SMOTE cannot interpolate missing values, so numeric gaps are filled with the
    training median and categorical gaps become their own category first.
    """

    name = "smote_nc"

    def _resample(self, rows, *, seed, ratio, guard):
        from imblearn.over_sampling import SMOTE, SMOTEN, SMOTENC

        kinds = rows.kinds
        features = canonical_features(rows.features, kinds).reset_index(drop=True)
        features[list(kinds.numeric)] = features[list(kinds.numeric)].fillna(features[list(kinds.numeric)].median())
        n_minor, needed = int(rows.y.sum()), rows.minority_needed(ratio)
        if needed == 0:
            return Resampled(features, rows.y, synthetic=features.iloc[:0])
        if n_minor < 2:
            raise ConfigError("smote_nc needs at least 2 minority rows in the training split; drop the arm with --arms or give more data")
        options = {"sampling_strategy": {1: n_minor + needed}, "k_neighbors": min(5, n_minor - 1),
                   "random_state": child_seed(seed, "smote_nc") % 2**32}
        if kinds.categorical and kinds.numeric:
            sampler = SMOTENC(categorical_features=list(kinds.categorical), **options)
        elif kinds.categorical:
            sampler = SMOTEN(**options)
        else:
            sampler = SMOTE(**options)
        resampled, y = sampler.fit_resample(features[kinds.columns], rows.y)
        resampled = resampled.reset_index(drop=True)
        # Interpolation turns 0/1 flags and counts into fractions no real row has: keep whole columns whole.
        whole = [c for c in kinds.numeric if np.all(np.mod(features[c].to_numpy(), 1.0) == 0)]
        resampled[whole] = resampled[whole].round()
        new = resampled.iloc[len(features):].reset_index(drop=True)  # imbalanced-learn appends the new rows
        return Resampled(resampled, np.asarray(y), synthetic=new)


class GeneratorArm(Arm):
    """A synthgan model fitted on all training rows; minority rows come from conditional sampling."""

    def __init__(self, model: str, factory: GeneratorFactory) -> None:
        self.name = model
        self.model = model
        self.factory = factory

    def _learning_rows(self, rows: TrainingRows) -> pd.DataFrame:
        return rows.frame()

    def _resample(self, rows, *, seed, ratio, guard):
        frame = self._learning_rows(rows)
        generator = ConditionalGenerator(
            self.factory(self.model, seed=child_seed(seed, "generator", self.model), n_rows=len(frame)),
            [rows.target],
            on_fit=lambda data: guard.check(f"generator '{self.model}'", data),
        ).fit(frame)
        needed = rows.minority_needed(ratio)
        if needed == 0:
            return _appended(rows, rows.features.iloc[:0])
        sampled = generator.sample_counts({rows.target: {rows.positive_label: needed}}, seed=child_seed(seed, "sample", self.model))
        return _appended(rows, sampled[list(rows.features.columns)])


class TransferArm(GeneratorArm):
    """A generator fitted on the whole training split (the larger related table) augments the small training sample.

    Named ``transfer:<model>``. With a ``train_size`` the classifier trains on a sample of
    the training split, and this generator learns from all of it (never a validation or
    test row: the guard checks); without one it is the plain generator arm.
    """

    def __init__(self, model: str, factory: GeneratorFactory) -> None:
        super().__init__(model, factory)
        self.name = TRANSFER_PREFIX + model

    def _learning_rows(self, rows: TrainingRows) -> pd.DataFrame:
        return rows.pool_frame()


def arm_model(name: str) -> str | None:
    """The synthgan model behind a generator arm's name (``"ctgan"``, ``"transfer:ctgan"``), None for resampling arms."""
    if name in RESAMPLING_ARMS:
        return None
    return name[len(TRANSFER_PREFIX):] if name.startswith(TRANSFER_PREFIX) else name


def build_arms(names: list[str] | tuple[str, ...], factory: GeneratorFactory) -> list[Arm]:
    """Arm objects for ``names``; any name that is not a resampling arm is a synthgan model name."""
    simple = {cls.name: cls for cls in (NoResampling, ClassWeights, ThresholdTuning, RandomOversampling, SmoteNC)}
    if len(set(names)) != len(names):
        raise ConfigError(f"arms must be unique, got {list(names)}")
    if BASELINE not in names:
        raise ConfigError(f"arms must include the baseline '{BASELINE}' (no resampling): every arm is compared with it")
    return [simple[name]() if name in simple else TransferArm(arm_model(name), factory) if name.startswith(TRANSFER_PREFIX)
            else GeneratorArm(name, factory) for name in names]
