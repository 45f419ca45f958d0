"""The anomaly experiment: every detector and every rare-event enrichment arm on one labelled table.

Design (paired over seeds and shot counts, leakage-proof):

1. Per seed the table is split into training and test rows, stratified on the label.
2. Per shot count ``k`` the labelled set is every normal training row plus ``k``
   training anomalies (:func:`synthgan.anomaly.enrich.labelled_rows`; the other
   training anomalies are used nowhere). The draws are nested over ``k``.
3. Detectors (:mod:`synthgan.anomaly.experiment_detectors`) are fitted without labels.
   By default (``detector_rows="normal"``) on the normal rows of the labelled set:
   every training row carries a label in this design, so a detector's best honest use
   is the one-class one (synthgan's with ``trim=0``); those rows are the same for every
   ``k``, so each detector is fitted once per seed. With ``"unlabelled"`` they are
   fitted on the whole labelled set (the ``k`` anomalies included), with their default
   settings, once per seed and ``k``.
4. Enrichment arms (:mod:`synthgan.anomaly.enrich`) turn the labelled set into what a
   classifier is fitted on; a guard asserts that neither test rows nor unlabelled
   anomalies reach any resampler, generator or detector.
5. ROC AUC and PR AUC (average precision) on the test rows, fit and score seconds;
   means with 95 % t intervals over seeds and paired differences of every synthgan
   method against every baseline (:mod:`synthgan.augment.stats`). The verdict compares
   synthgan's methods with the best baseline (the one with the highest mean PR AUC,
   picked on the same results, which can only favour the baseline).
"""

from __future__ import annotations

import functools
import json
import math
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.model_selection import train_test_split

from synthgan._random import child_seed
from synthgan.anomaly import enrich
from synthgan.anomaly.experiment_data import check_binary_label, json_scalar
from synthgan.anomaly.experiment_report import curve_points
from synthgan.anomaly.experiment_detectors import (available_detectors, check_detectors, detector_label,
                                                   fit_score_detector, is_synthgan)
from synthgan.anomaly.experiment_verdicts import experiment_verdicts, method_label, paired_table
from synthgan.augment.classifiers import CLASSIFIERS, FeatureKinds
from synthgan.augment.generators import synthesizer_factory, training_budget
from synthgan.augment.leakage import LeakageGuard
from synthgan.augment.stats import summarize
from synthgan.errors import ConfigError, DataValidationError, DataWarning, check_is_fitted

__all__ = ["AnomalyExperiment", "METRICS", "PRIMARY_METRIC", "check_binary_label"]

#: metric -> label; both are ranking metrics (higher is better), no threshold is involved
METRICS = {"pr_auc": "PR AUC", "roc_auc": "ROC AUC"}
PRIMARY_METRIC = "pr_auc"
TIMES = ("fit_seconds", "score_seconds")
DETECTOR_ROWS = ("normal", "unlabelled")


def _metrics(y: np.ndarray, scores: np.ndarray) -> dict[str, float]:
    """ROC AUC and PR AUC of ``scores`` (higher = more anomalous); a score that is not finite ranks as most anomalous."""
    scores = np.asarray(scores, dtype="float64")
    if not np.isfinite(scores).all():
        finite = scores[np.isfinite(scores)]
        low, high = (finite.min() - 1.0, finite.max() + 1.0) if finite.size else (-1.0, 1.0)
        scores = np.where(np.isneginf(scores), low, np.where(np.isfinite(scores), scores, high))
    return {"roc_auc": float(roc_auc_score(y, scores)), "pr_auc": float(average_precision_score(y, scores))}


class AnomalyExperiment:
    """Compare anomaly detectors and rare-event enrichment arms on a table with a binary anomaly label.

    Parameters
    ----------
    label : str
        Binary column that marks anomalies (see :func:`check_binary_label`).
    seeds : int, default=5
        Repetitions (split, labelled anomalies, generators, classifiers and detectors reseeded).
    seed : int, default=0
        Root seed of everything.
    labelled_anomalies : sequence of int, default=(10, 25)
        Shot counts: anomalies labelled in the training rows (each at least 2).
    detectors : sequence of str, optional
        Default :func:`~synthgan.anomaly.experiment_detectors.available_detectors`
        (synthgan's, ``iforest``, ``lof``, ``ocsvm``, and ``ecod`` when pyod is installed).
    arms : sequence of str, optional
        Enrichment arms; default :func:`~synthgan.anomaly.enrich.default_enrichment_arms`.
        Empty to run detectors only.
    classifiers : sequence of str, default=("lightgbm", "logreg")
    ratio : float, default=1.0
        Anomalies : normal rows that the oversampling and generator arms reach.
    test_size : float, default=0.4
        Test share of the rows, per seed.
    anomaly_value : optional
        The label value that marks an anomaly (default: 1 / True, else the rarer value).
    drop : sequence of str, default=()
        Columns that are not features (identifiers).
    detector_rows : {"normal", "unlabelled"}, default="normal"
        Rows the detectors are fitted on (see the module docstring).
    epochs, batch_size : int, optional
        Generators' training (default: the augmentation experiment's budget for the data size).
    detector_epochs : int, optional
        synthgan detectors' epochs (default: their own budget).
    device : str, default="auto"
    generator_factory : callable, optional
        ``(model, seed=..., n_rows=...) -> synthesizer`` (tests and benches pass their own).
    n_jobs : int, default=1
        Threads for LightGBM.
    progress : callable, optional
        Called with one line of text per finished step.

    Attributes
    ----------
    results_ : DataFrame
        Tidy ``seed, shots, method, metric, value`` (metrics: ``pr_auc``, ``roc_auc``,
        ``fit_seconds``, ``score_seconds``).
    summary_ : DataFrame
        ``shots, method, metric, n, mean, ci_low, ci_high``.
    paired_ : DataFrame
        Every synthgan method against every baseline: ``shots, method, baseline, metric,
        n, mean_diff, ci_low, ci_high, verdict``.
    verdicts_ : list of dict
        Per shot count: the best baseline, the best synthgan method, the verdict and its sentence.
    curves_ : dict
        ROC and PR curves of the first seed, per shot count and method.
    info_, timings_, leakage_checks_ : dict
        ``info_["failures"]`` lists the arms that could not make their rows (seed, shot
        count, method, error); their metrics are NaN and left out of means and differences.
    """

    def __init__(self, label: str, *, seeds: int = 5, seed: int = 0, labelled_anomalies=(10, 25), detectors=None,
                 arms=None, classifiers=("lightgbm", "logreg"), ratio: float = 1.0, test_size: float = 0.4,
                 anomaly_value: Any = None, drop=(), detector_rows: str = "normal", epochs: int | None = None,
                 batch_size: int | None = None, detector_epochs: int | None = None, device: str = "auto",
                 generator_factory: Callable[..., Any] | None = None, n_jobs: int = 1,
                 progress: Callable[[str], None] | None = None) -> None:
        self.label = label
        self.seeds = seeds
        self.seed = seed
        self.labelled_anomalies = labelled_anomalies
        self.detectors = detectors
        self.arms = arms
        self.classifiers = classifiers
        self.ratio = ratio
        self.test_size = test_size
        self.anomaly_value = anomaly_value
        self.drop = drop
        self.detector_rows = detector_rows
        self.epochs = epochs
        self.batch_size = batch_size
        self.detector_epochs = detector_epochs
        self.device = device
        self.generator_factory = generator_factory
        self.n_jobs = n_jobs
        self.progress = progress

    # ------------------------------------------------------------------ checks
    def _check_params(self) -> tuple[list[int], list[str], list[str]]:
        def positive_int(name: str, value: Any, minimum: int = 1) -> None:
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
                raise ConfigError(f"{name} must be an integer >= {minimum}, got {value!r}")

        positive_int("seeds", self.seeds)
        positive_int("seed", self.seed, 0)
        shots = [self.labelled_anomalies] if isinstance(self.labelled_anomalies, (int, np.integer)) else list(self.labelled_anomalies)
        if not shots:
            raise ConfigError("labelled_anomalies must name at least one shot count, e.g. (10, 25)")
        for k in shots:
            positive_int("each labelled_anomalies count", k, 2)
        if len(set(shots)) != len(shots):
            raise ConfigError(f"labelled_anomalies must be unique, got {shots}")
        if isinstance(self.ratio, bool) or not isinstance(self.ratio, (int, float)) or not self.ratio > 0:
            raise ConfigError(f"ratio must be a number > 0 (1.0 = as many anomalies as normal rows), got {self.ratio!r}")
        if isinstance(self.test_size, bool) or not isinstance(self.test_size, (int, float)) or not 0 < self.test_size < 1:
            raise ConfigError(f"test_size must be a fraction between 0 and 1 (exclusive), got {self.test_size!r}")
        if self.detector_rows not in DETECTOR_ROWS:
            raise ConfigError(f"detector_rows must be one of {', '.join(DETECTOR_ROWS)}, got {self.detector_rows!r}")
        detectors = check_detectors(available_detectors() if self.detectors is None else self.detectors)
        arms = list(enrich.default_enrichment_arms() if self.arms is None else self.arms)
        enrich.build_enrichment_arms(arms, lambda *a, **k: None)  # names checked before any data is read
        unknown = [c for c in self.classifiers if c not in CLASSIFIERS]
        if arms and (unknown or not self.classifiers):
            raise ConfigError(f"unknown classifier(s) {unknown}; choose from {', '.join(CLASSIFIERS)}")
        if self.generator_factory is None:
            from synthgan.core.registry import available_models

            models = available_models("table")
            bad = [m for m in enrich.generator_models(arms) if m not in models]
            if bad:
                raise ConfigError(f"unknown enrichment arm '{bad[0]}': use none, random_oversampling, smote_nc, a synthgan "
                                  f"table model ({', '.join(models)}) or MODEL{enrich.ANOMALIES_ONLY}")
        if not detectors and not arms:
            raise ConfigError("nothing to compare: give at least one detector or enrichment arm")
        return sorted(int(k) for k in shots), detectors, arms

    def _prepare(self, data: pd.DataFrame, shots: list[int]) -> tuple[pd.DataFrame, pd.Series, Any]:
        positive = check_binary_label(data, self.label, self.anomaly_value)
        drop = [self.drop] if isinstance(self.drop, str) else list(self.drop)
        missing = [c for c in drop if c not in data.columns]
        if missing:
            raise DataValidationError(f"drop names column(s) {missing} that the table does not have; check the names")
        columns = [c for c in data.columns if c != self.label and c not in drop]
        if not columns:
            raise DataValidationError(f"no feature column is left besides label '{self.label}'; keep at least one feature")
        frame = data.reset_index(drop=True)
        unlabelled = frame[self.label].isna()
        if unlabelled.any():
            warnings.warn(f"{int(unlabelled.sum())} rows with a missing '{self.label}' were left out", DataWarning, stacklevel=3)
            frame = frame.loc[~unlabelled]
        labels = frame[self.label]
        n_anomalies, n_normal = int((labels == positive).sum()), int((labels != positive).sum())
        train_anomalies = math.floor(n_anomalies * (1 - self.test_size))
        if train_anomalies < max(shots) or n_anomalies - train_anomalies < 2 or n_normal < 10:
            raise DataValidationError(
                f"label '{self.label}' marks {n_anomalies} anomalies ({positive!r}) and {n_normal} normal rows; with "
                f"test_size {self.test_size} about {train_anomalies} anomalies stay for training, and the experiment "
                f"needs {max(shots)} of them to label, at least 2 anomalies to test on and at least 10 normal rows; "
                "lower the labelled anomalies (--shots) or give more data")
        return frame[columns], labels, positive

    # --------------------------------------------------------------------- fit
    def fit(self, data: pd.DataFrame) -> "AnomalyExperiment":
        """Run every seed, shot count, detector and arm on ``data``; returns ``self``."""
        shots, detectors, arm_names = self._check_params()
        started = time.perf_counter()
        features, labels, positive = self._prepare(data, shots)
        kinds = FeatureKinds.infer(features)
        factory = self.generator_factory or functools.partial(synthesizer_factory, epochs=self.epochs, batch_size=self.batch_size)
        arms = enrich.build_enrichment_arms(arm_names, factory)
        tally = _Tally()
        for index in range(self.seeds):
            self._run_seed(index, features, labels, positive, kinds, shots, detectors, arms, tally)
        methods = list(detectors) + [enrich.method_name(c, a.name) for a in arms for c in self.classifiers]
        self._finish(tally, shots, methods, detectors, arm_names, features, labels, positive, kinds)
        self.timings_ = {"total_seconds": time.perf_counter() - started, **_seconds(self.results_)}
        return self

    def _run_seed(self, index, features, labels, positive, kinds, shots, detectors, arms, tally: "_Tally") -> None:
        """One seed: the split, the detectors (once, or per shot count) and every arm per shot count."""
        run_seed = child_seed(self.seed, "anomaly experiment", str(index))
        train_ids, test_ids = (pd.Index(ids).sort_values() for ids in train_test_split(
            labels.index, test_size=self.test_size, stratify=(labels == positive).to_numpy(), random_state=run_seed % 2**32))
        test_x, test_y = features.loc[test_ids], (labels.loc[test_ids] == positive).to_numpy(dtype="int64")
        shared = None
        if self.detector_rows == "normal" and detectors:
            normal_ids = train_ids[(labels.loc[train_ids] != positive).to_numpy()]
            guard = LeakageGuard(features.loc[test_ids.union(train_ids.difference(normal_ids))], features.loc[normal_ids],
                                 list(features.columns), checked=tally.checked)
            shared = self._detect(detectors, features.loc[normal_ids], test_x, kinds, run_seed, guard, trim=0.0)
        for k in shots:
            rows, unlabelled = enrich.labelled_rows(features, labels, positive, train_ids, k,
                                                    seed=child_seed(run_seed, "labelled"), kinds=kinds)
            guard = LeakageGuard(features.loc[test_ids.union(unlabelled)], rows.features, list(features.columns),
                                 checked=tally.checked)
            tally.splits.append({"seed": index, "shots": k, "train": len(train_ids), "labelled": len(rows.y),
                                 "unlabelled_anomalies": len(unlabelled), "test": len(test_ids),
                                 "test_anomalies": int(test_y.sum())})
            cell_seed = child_seed(run_seed, "shots", str(k))
            found = shared if shared is not None else self._detect(detectors, rows.features, test_x, kinds, cell_seed,
                                                                   guard, trim=None)
            found = found + enrich.run_enrichment(
                rows, arms, self.classifiers, test_x, seed=cell_seed, ratio=self.ratio, guard=guard, n_jobs=self.n_jobs,
                progress=None if self.progress is None else (lambda line: self._say(index, k, line)))
            for result in found:
                self._record(tally, index, k, test_y, result)

    @staticmethod
    def _record(tally: "_Tally", index: int, k: int, test_y: np.ndarray, result) -> None:
        """Metrics and seconds of one method in one seed and shot count (NaN metrics for an arm that failed)."""
        failed = getattr(result, "error", None) is not None
        if failed:
            tally.failures.append({"seed": index, "shots": k, "method": result.method, "error": result.error})
        values = {**(dict.fromkeys(METRICS, math.nan) if failed else _metrics(test_y, result.scores)),
                  "fit_seconds": result.fit_seconds, "score_seconds": result.score_seconds}
        tally.records.extend({"seed": index, "shots": k, "method": result.method, "metric": m, "value": v}
                             for m, v in values.items())
        if index == 0 and not failed:
            tally.curves.setdefault(str(k), {})[result.method] = curve_points(test_y, result.scores)

    def _say(self, index: int, k: int, line: str) -> None:
        self.progress(f"seed {index + 1}/{self.seeds}, {k} labelled anomalies: {line}")

    def _detect(self, names, train: pd.DataFrame, test: pd.DataFrame, kinds: FeatureKinds, seed: int,
                guard: LeakageGuard, *, trim: float | None) -> list:
        out = []
        for name in names:
            guard.check(f"detector '{name}'", train)
            out.append(fit_score_detector(name, train, test, kinds, seed=seed, epochs=self.detector_epochs,
                                          device=self.device, trim=trim if is_synthgan(name) else None))
            if self.progress is not None:
                self.progress(f"{detector_label(name)} fitted on {len(train):,} rows ({out[-1].fit_seconds:.1f}s)")
        return out

    def _finish(self, tally, shots, methods, detectors, arm_names, features, labels, positive, kinds) -> None:
        self.results_ = pd.DataFrame(tally.records, columns=["seed", "shots", "method", "metric", "value"])
        as_stats = self.results_.rename(columns={"shots": "classifier", "method": "arm"})
        self.summary_ = summarize(as_stats).rename(columns={"classifier": "shots", "arm": "method"})
        synthgan = [m for m in methods if _is_synthgan_method(m)]
        self.paired_ = paired_table(as_stats, synthgan, [m for m in methods if m not in synthgan], list(METRICS))
        self.verdicts_ = experiment_verdicts(self.summary_, self.paired_, shots, methods, synthgan, PRIMARY_METRIC)
        self.curves_ = tally.curves
        self.leakage_checks_ = tally.checked
        n_labelled = int(np.mean([s["labelled"] for s in tally.splits]))
        models = enrich.generator_models(arm_names)
        self.info_ = {
            "label": self.label, "anomaly_value": json_scalar(positive), "rows": int(len(labels)),
            "anomalies": int((labels == positive).sum()), "anomaly_share": float((labels == positive).mean()),
            "features": list(features.columns), "numeric": list(kinds.numeric), "categorical": list(kinds.categorical),
            "seeds": self.seeds, "seed": self.seed, "shots": shots, "test_size": float(self.test_size),
            "ratio": float(self.ratio), "detector_rows": self.detector_rows, "detectors": list(detectors),
            "arms": list(arm_names), "classifiers": list(self.classifiers) if arm_names else [],
            "methods": [{"name": m, "label": method_label(m), "kind": "detector" if m in detectors else "enrichment",
                         "synthgan": m in synthgan} for m in methods],
            "primary_metric": PRIMARY_METRIC, "splits": tally.splits,
            "generator_budget": {} if self.generator_factory is not None else {
                m: dict(zip(("epochs", "batch_size"), training_budget(m, n_labelled, self.epochs, self.batch_size)))
                for m in models},
            "detector_epochs": self.detector_epochs,
            "failures": tally.failures,
        }

    def to_dict(self) -> dict[str, Any]:
        """Everything as JSON-safe values (NaN becomes None)."""
        check_is_fitted(self, "results_")

        def table(frame: pd.DataFrame) -> list[dict[str, Any]]:
            return json.loads(frame.to_json(orient="records", double_precision=10))

        return {"kind": "synthgan.anomaly_experiment", "info": self.info_, "timings": self.timings_,
                "verdicts": self.verdicts_, "summary": table(self.summary_), "paired": table(self.paired_),
                "curves": self.curves_, "leakage_checks": self.leakage_checks_, "results": table(self.results_)}


@dataclass
class _Tally:
    records: list[dict[str, Any]] = field(default_factory=list)
    splits: list[dict[str, int]] = field(default_factory=list)
    checked: dict[str, int] = field(default_factory=dict)
    curves: dict[str, dict[str, Any]] = field(default_factory=dict)
    failures: list[dict[str, Any]] = field(default_factory=list)


def _is_synthgan_method(method: str) -> bool:
    """synthgan's detectors and the classifier + generator pairs."""
    if is_synthgan(method):
        return True
    _, plus, arm = method.partition("+")
    return bool(plus) and arm not in enrich.BASELINE_ARMS


def _seconds(results: pd.DataFrame) -> dict[str, dict[str, float]]:
    times = results[results["metric"].isin(TIMES)]
    sums = times.groupby(["method", "metric"], sort=False)["value"].sum()
    return {metric: {m: float(v) for (m, mm), v in sums.items() if mm == metric} for metric in TIMES}
