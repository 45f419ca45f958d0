"""The augmentation experiment: does resampling or synthetic data improve a classifier on *this* table?

Design (paired, leakage-proof):

1. The test rows are split off first (or given); per seed, the rest is split into
   training and validation rows, stratified by class.
2. Every arm (see :mod:`synthgan.augment.arms`) turns the same training rows into
   what both classifiers are fitted on; a guard asserts that no validation or test
   row reaches any resampler or generator.
3. Each classifier's threshold is tuned on the validation rows; metrics are taken
   on the real test rows.
4. :mod:`synthgan.augment.stats` gives each arm's mean and t interval over seeds
   and its paired difference from no resampling, with a verdict.
"""

from __future__ import annotations

import functools
import json
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from synthgan._random import child_seed
from synthgan.augment.arms import (BASELINE, RESAMPLING_ARMS, GeneratorArm, TrainingRows, arm_label, arm_model, build_arms,
                                   default_arms)
from synthgan.augment.classifiers import CLASSIFIER_LABELS, CLASSIFIERS, Classifier, FeatureKinds, canonical_features
from synthgan.augment.generators import synthesizer_factory, training_budget
from synthgan.augment.leakage import LeakageGuard
from synthgan.augment.metrics import METRICS, PRIMARY_METRIC, score, tune_threshold
from synthgan.augment.stats import paired_differences, summarize, verdict_sentence
from synthgan.augment.targets import check_class_column
from synthgan.errors import ConfigError, DataValidationError, DataWarning, check_is_fitted

MIN_MINORITY_ROWS = 10
MIN_TRAIN_SIZE = 50  # smaller samples leave too few minority rows to fit anything on


def _check_fraction(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 1:
        raise ConfigError(f"{name} must be a fraction between 0 and 1 (exclusive), got {value!r}")
    return float(value)


class AugmentExperiment:
    """Compare resampling and synthetic-data arms on a binary classification table.

    Parameters
    ----------
    target : str
        Binary class column; its rarer class is the minority (positive) class.
    arms : sequence of str, optional
        ``none`` (required), ``class_weights``, ``threshold``, ``random_oversampling``,
        ``smote_nc`` and synthgan model names (see :func:`synthgan.core.registry.available_models`).
        Default: every resampling arm and every model whose capabilities say
        ``augmentation_arm=True`` (:func:`~synthgan.augment.arms.default_arms`).
    classifiers : sequence of str, default=("logreg", "lightgbm")
    seeds : int, default=5
        Number of repetitions (splits, resamplers, generators and classifiers reseeded).
    seed : int, default=0
        Root seed of everything.
    ratio : float, default=1.0
        Minority : majority ratio that the oversampling and generator arms reach.
    test_size, val_size : float, default=0.25, 0.2
        Test share of the data when no test table is given; validation share of the rest.
    drop : sequence of str, default=()
        Columns that are not features (identifiers).
    epochs, batch_size : int, optional
        Override the generators' data-size budget (:func:`~synthgan.augment.generators.experiment_budget`).
    generator_factory : callable, optional
        ``(model, seed=..., n_rows=...) -> synthesizer``; default builds :class:`~synthgan.Synthesizer`.
    n_jobs : int, default=1
        Threads for LightGBM.
    train_size : int, optional
        Train on a stratified sample of this many rows of each seed's training split
        (validation and test rows stay the same, so sizes compare): one point of a
        learning curve (:class:`~synthgan.augment.curve.LearningCurve`). Generator arms
        learn from the sample; ``transfer:<model>`` arms from the whole training split.
    progress : callable, optional
        Called with one line of text per finished arm.

    Attributes
    ----------
    results_ : pandas.DataFrame
        Tidy ``seed, classifier, arm, metric, value``.
    summary_ : pandas.DataFrame
        Mean and interval per classifier, arm and metric.
    paired_ : pandas.DataFrame
        Paired difference against ``none`` with interval and verdict.
    verdicts_ : list of dict
        Per classifier and generator arm, the verdict on the primary metric (PR AUC).
    privacy_ : pandas.DataFrame
        Per seed and arm that creates rows: share of its minority rows closer to train than to holdout.
    info_ : dict
        Data, split sizes and settings; ``timings_`` : dict of seconds.
    """

    def __init__(self, target: str, *, arms=None, classifiers=CLASSIFIERS, seeds: int = 5, seed: int = 0,
                 ratio: float = 1.0, test_size: float = 0.25, val_size: float = 0.2, drop=(), epochs: int | None = None,
                 batch_size: int | None = None, generator_factory: Callable[..., Any] | None = None, n_jobs: int = 1,
                 train_size: int | None = None, progress: Callable[[str], None] | None = None) -> None:
        self.target = target
        self.arms = arms
        self.classifiers = classifiers
        self.seeds = seeds
        self.seed = seed
        self.ratio = ratio
        self.test_size = test_size
        self.val_size = val_size
        self.drop = drop
        self.epochs = epochs
        self.batch_size = batch_size
        self.generator_factory = generator_factory
        self.n_jobs = n_jobs
        self.train_size = train_size
        self.progress = progress

    # ------------------------------------------------------------------ checks
    def _check_params(self) -> None:
        if isinstance(self.seeds, bool) or not isinstance(self.seeds, int) or self.seeds < 1:
            raise ConfigError(f"seeds must be a positive integer (5 is a good start), got {self.seeds!r}")
        if isinstance(self.ratio, bool) or not isinstance(self.ratio, (int, float)) or not self.ratio > 0:
            raise ConfigError(f"ratio must be a number > 0 (1.0 = as many minority as majority rows), got {self.ratio!r}")
        if self.train_size is not None and (isinstance(self.train_size, bool) or not isinstance(self.train_size, int)
                                            or self.train_size < MIN_TRAIN_SIZE):
            raise ConfigError(f"train_size must be None (the whole training split) or an integer >= {MIN_TRAIN_SIZE}, "
                              f"got {self.train_size!r}")
        _check_fraction("test_size", self.test_size)
        _check_fraction("val_size", self.val_size)
        unknown = [c for c in self.classifiers if c not in CLASSIFIERS]
        if unknown or not self.classifiers:
            raise ConfigError(f"unknown classifier(s) {unknown}; choose from {', '.join(CLASSIFIERS)}")

    def _prepare(self, train: pd.DataFrame, test: pd.DataFrame | None) -> tuple[pd.DataFrame, pd.Series, pd.Index | None]:
        """Features and labels of train (+ test) with unique row ids as index, and the fixed test ids if any."""
        counts = check_class_column(train, self.target)
        if len(counts) > 2:
            raise DataValidationError(
                f"target column '{self.target}' has {len(counts)} classes; the experiment compares a minority class "
                "against the rest, so map it to two classes first (e.g. rare class vs other)"
            )
        missing_drop = [c for c in self.drop if c not in train.columns]
        if missing_drop:
            raise DataValidationError(f"--drop column(s) {missing_drop} are not in the table; check the names")
        columns = [c for c in train.columns if c != self.target and c not in self.drop]
        if not columns:
            raise DataValidationError(f"no feature columns are left besides target '{self.target}'; keep at least one feature")
        frames = [train]
        if test is not None:
            absent = [c for c in [*columns, self.target] if c not in test.columns]
            if absent:
                raise DataValidationError(f"the test table lacks column(s) {absent[:8]}; give a test table with the training table's columns")
            unknown = set(test[self.target].dropna().unique()) - set(counts.index)
            if unknown:
                raise DataValidationError(f"test column '{self.target}' has value(s) {sorted(map(str, unknown))[:5]} not in the training table")
            frames.append(test)
        data = pd.concat([f[[*columns, self.target]] for f in frames], ignore_index=True)
        n_train = len(train)
        unlabeled = data[self.target].isna()
        if unlabeled.any():
            warnings.warn(f"{int(unlabeled.sum())} rows with a missing '{self.target}' were left out", DataWarning, stacklevel=3)
        data = data.loc[~unlabeled]
        test_ids = data.index[data.index >= n_train] if test is not None else None
        return data[columns], data[self.target], test_ids

    # ------------------------------------------------------------------- run
    def run(self, train: pd.DataFrame, test: pd.DataFrame | None = None) -> "AugmentExperiment":
        """Run every seed, arm and classifier; returns ``self`` with the results attributes set."""
        self._check_params()
        started = time.perf_counter()
        features, labels, test_ids = self._prepare(train, test)
        pool_labels = labels if test_ids is None else labels.drop(test_ids)
        positive = pool_labels.value_counts().sort_values(kind="stable").index[0]
        kinds = FeatureKinds.infer(features)
        n_minor = int((pool_labels == positive).sum())
        if n_minor < MIN_MINORITY_ROWS:
            raise DataValidationError(
                f"target '{self.target}' has only {n_minor} rows of its minority class {positive!r}; "
                f"the experiment needs at least {MIN_MINORITY_ROWS} to split into train, validation and test"
            )
        factory = self.generator_factory or functools.partial(synthesizer_factory, epochs=self.epochs, batch_size=self.batch_size)
        arms = build_arms(list(self.arms) if self.arms is not None else list(default_arms()), factory)
        if self.generator_factory is None:
            _check_model_names([a.model for a in arms if isinstance(a, GeneratorArm)])
        tally = _Tally(arm_seconds={a.name: 0.0 for a in arms}, classifier_seconds=dict.fromkeys(self.classifiers, 0.0))
        for index in range(self.seeds):
            one = self._seed(index, features, labels, positive, test_ids, kinds, tally)
            cache: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}  # the threshold arm reuses the no-resampling model
            for arm in arms:
                resampled = arm.resample(one.rows, seed=child_seed(one.run_seed, "arm", arm.name), ratio=float(self.ratio), guard=one.guard)
                tally.arm_seconds[arm.name] += resampled.seconds
                if resampled.synthetic is not None and len(resampled.synthetic):
                    tally.privacy.append(_privacy(one, arm.name, resampled.synthetic, kinds))
                self._score_arm(one, arm.name, resampled, kinds, cache, tally)
                if self.progress is not None:
                    self.progress(f"seed {index + 1}/{self.seeds}: {arm_label(arm.name)} done ({resampled.seconds:.1f}s)")
        self._finish(tally, arms, kinds, features, labels, positive, test_ids)
        self.timings_ = {"total_seconds": time.perf_counter() - started, "arm_seconds": tally.arm_seconds,
                         "classifier_seconds": tally.classifier_seconds}
        self.leakage_checks_ = tally.checked
        return self

    def _seed(self, index, features, labels, positive, test_ids, kinds, tally) -> "_Seed":
        """The split, training rows, leakage guard and canonical evaluation rows of one seed."""
        run_seed = child_seed(self.seed, "experiment", str(index))
        split = self._split(labels, positive, test_ids, run_seed)
        pool_ids, pool = split["train"], None
        if self.train_size is not None and self.train_size < len(pool_ids):
            y = labels.loc[pool_ids] == positive
            small, _ = train_test_split(pool_ids, train_size=self.train_size, stratify=y, random_state=(run_seed + 2) % 2**32)
            split["train"] = pd.Index(small).sort_values()
            pool = features.loc[pool_ids].assign(**{str(labels.name): labels.loc[pool_ids]})
        tally.splits.append({**{k: len(v) for k, v in split.items()}, "whole_train": len(pool_ids)})
        rows = TrainingRows(features.loc[split["train"]], labels.loc[split["train"]], positive, kinds, pool=pool)
        if rows.y.sum() < 2:
            raise DataValidationError(f"a training sample of {self.train_size} rows holds {int(rows.y.sum())} minority rows; "
                                      "use a larger train_size")
        held_out = split["validation"].union(split["test"])
        # the whole split may reach a transfer arm: its rows are training rows too
        guard = LeakageGuard(features.loc[held_out], features.loc[pool_ids], list(features.columns), checked=tally.checked)
        evaluation = {part: (canonical_features(features.loc[split[part]], kinds),
                             (labels.loc[split[part]] == positive).to_numpy(dtype="int64")) for part in ("validation", "test")}
        test_minority = features.loc[split["test"]].loc[evaluation["test"][1] == 1]
        return _Seed(index, run_seed, rows, guard, evaluation, test_minority)

    def _score_arm(self, one: "_Seed", arm: str, resampled, kinds: FeatureKinds, cache: dict, tally: "_Tally") -> None:
        """Fit each classifier on the arm's rows, tune its threshold on validation, score it on test."""
        fit_features = canonical_features(resampled.features, kinds)
        (val_x, val_y), (test_x, test_y) = one.evaluation["validation"], one.evaluation["test"]
        for name in self.classifiers:
            clock = time.perf_counter()
            key = (name, id(resampled.features), id(resampled.sample_weight))
            if key not in cache:
                model = Classifier(name, kinds, seed=child_seed(one.run_seed, "classifier", name) % 2**31, n_jobs=self.n_jobs)
                model.fit(fit_features, resampled.y, resampled.sample_weight)
                cache[key] = (model.predict_proba(val_x), model.predict_proba(test_x))
            p_val, p_test = cache[key]
            tuned = tune_threshold(val_y, p_val)
            scores = score(test_y, p_test, tuned_threshold=tuned, decision_threshold=tuned if resampled.tuned_decision else 0.5)
            tally.records.extend({"seed": one.index, "classifier": name, "arm": arm, "metric": m, "value": v} for m, v in scores.items())
            tally.classifier_seconds[name] += time.perf_counter() - clock

    def _split(self, labels: pd.Series, positive: Any, test_ids: pd.Index | None, run_seed: int) -> dict[str, pd.Index]:
        y = labels == positive
        if test_ids is None:
            pool, test = train_test_split(labels.index, test_size=self.test_size, stratify=y, random_state=run_seed % 2**32)
        else:
            pool, test = labels.index.difference(test_ids), test_ids
        train, val = train_test_split(pool, test_size=self.val_size, stratify=y.loc[pool], random_state=(run_seed + 1) % 2**32)
        return {"train": pd.Index(train).sort_values(), "validation": pd.Index(val).sort_values(), "test": pd.Index(test).sort_values()}

    def _finish(self, tally, arms, kinds, features, labels, positive, test_ids) -> None:
        self.results_ = pd.DataFrame(tally.records, columns=["seed", "classifier", "arm", "metric", "value"])
        self.privacy_ = pd.DataFrame(tally.privacy, columns=["seed", "arm", "closer_to_train_share", "n_synthetic"])
        self.summary_ = summarize(self.results_)
        higher = {m: better for m, (_, better) in METRICS.items()}
        self.paired_ = paired_differences(self.results_, baseline=BASELINE, higher_is_better=higher)
        primary = self.paired_[self.paired_["metric"] == PRIMARY_METRIC]
        generator_arms = [a.name for a in arms if isinstance(a, GeneratorArm)]
        self.verdicts_ = [
            {"classifier": row["classifier"], "arm": row["arm"], "verdict": row["verdict"],
             "sentence": verdict_sentence(f"{_family(row['arm'])} augmentation ({row['arm']})",
                                          CLASSIFIER_LABELS[row["classifier"]], row, METRICS[PRIMARY_METRIC][0], arm_label(BASELINE))}
            for row in primary[primary["arm"].isin(generator_arms)].to_dict("records")
        ]
        n_train = int(np.mean([s["train"] for s in tally.splits]))
        n_whole = int(np.mean([s["whole_train"] for s in tally.splits]))
        self.info_ = {
            "target": self.target, "positive_label": positive, "rows": int(len(labels)), "features": list(features.columns),
            "numeric": list(kinds.numeric), "categorical": list(kinds.categorical),
            "minority_share": float((labels == positive).mean()), "test": "given" if test_ids is not None else f"split {self.test_size:.0%}",
            "splits": tally.splits, "train_size": self.train_size, "seeds": self.seeds, "seed": self.seed, "ratio": float(self.ratio),
            "arms": [a.name for a in arms],
            "classifiers": list(self.classifiers), "primary_metric": PRIMARY_METRIC,
            "generator_budget": {m: dict(zip(("epochs", "batch_size"), training_budget(
                arm_model(m), n_whole if m != arm_model(m) else n_train, self.epochs, self.batch_size))) for m in generator_arms},
        }

    def to_dict(self) -> dict[str, Any]:
        """Everything as JSON-safe values (NaN becomes None)."""
        check_is_fitted(self, "results_")

        def table(frame: pd.DataFrame) -> list[dict[str, Any]]:
            return json.loads(frame.to_json(orient="records", double_precision=10))

        info = dict(self.info_, positive_label=_json_scalar(self.info_["positive_label"]))
        return {"kind": "synthgan.augment_experiment", "info": info, "timings": self.timings_, "verdicts": self.verdicts_,
                "summary": table(self.summary_), "paired": table(self.paired_), "privacy": table(self.privacy_),
                "leakage_checks": self.leakage_checks_, "results": table(self.results_)}


@dataclass
class _Seed:
    """Everything one seed's arms share: its split, training rows, guard and canonical evaluation rows."""

    index: int
    run_seed: int
    rows: TrainingRows
    guard: LeakageGuard
    evaluation: dict[str, tuple[pd.DataFrame, np.ndarray]]
    test_minority: pd.DataFrame


@dataclass
class _Tally:
    """What the run accumulates over seeds and arms."""

    arm_seconds: dict[str, float]
    classifier_seconds: dict[str, float]
    records: list[dict[str, Any]] = field(default_factory=list)
    privacy: list[dict[str, Any]] = field(default_factory=list)
    splits: list[dict[str, int]] = field(default_factory=list)
    checked: dict[str, int] = field(default_factory=dict)


def _privacy(one: _Seed, arm: str, synthetic: pd.DataFrame, kinds: FeatureKinds) -> dict[str, Any]:
    """Size-balanced share of the arm's new minority rows closer to training than to test minority rows."""
    from synthgan.evaluation.privacy import dcr_closer_to_train_share

    frames = [canonical_features(f, kinds) for f in (synthetic, one.rows.features.loc[one.rows.y == 1], one.test_minority)]
    share = dcr_closer_to_train_share(*frames, seed=child_seed(one.run_seed, "privacy", arm) % 2**31)
    return {"seed": one.index, "arm": arm, "closer_to_train_share": share, "n_synthetic": int(len(synthetic))}


def _family(arm: str) -> str:
    """How verdicts name a generator arm's kind of model: its capabilities' family ("GAN" for stand-ins)."""
    from synthgan.core.registry import available_models, capabilities

    model = arm_model(arm)
    return capabilities(model).family if model in available_models("table") else "GAN"


def _check_model_names(names: list[str]) -> None:
    from synthgan.core.registry import available_models

    unknown = [n for n in names if n not in available_models("table")]
    if unknown:
        raise ConfigError(f"unknown arm '{unknown[0]}': it is neither a resampling arm ({', '.join(RESAMPLING_ARMS)}) "
                          f"nor a synthgan table model ({', '.join(available_models('table'))})")


def _json_scalar(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value
