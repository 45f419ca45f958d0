"""Where does augmentation help? The augmentation experiment at several training-set sizes.

A generator can only add what it learned from the rows it saw, so on a full table
synthetic minority rows rarely beat the real ones; with 250 rows the classifier may
gain from a generator's smoothing, or from a generator fitted on a larger related
table (a ``transfer:<model>`` arm, :class:`~synthgan.augment.arms.TransferArm`). The
curve runs :class:`~synthgan.augment.experiment.AugmentExperiment` once per size, with
the same seeds, validation and test rows at every size, and gives one verdict per
size from the paired differences in PR AUC against no resampling.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd

from synthgan.augment.arms import RESAMPLING_ARMS, arm_label
from synthgan.augment.classifiers import CLASSIFIER_LABELS
from synthgan.augment.experiment import AugmentExperiment
from synthgan.augment.metrics import METRICS, PRIMARY_METRIC
from synthgan.augment.stats import HELPED, HURT
from synthgan.errors import ConfigError, check_is_fitted

DEFAULT_SIZES: tuple[int | None, ...] = (250, 1000, 4000, None)  # None: the whole training split
FULL = "full"


def parse_sizes(text: str) -> tuple[int | None, ...]:
    """``"250,1000,full"`` -> ``(250, 1000, None)``; ConfigError naming the bad item otherwise."""
    sizes: list[int | None] = []
    for item in (part.strip() for part in str(text).split(",")):
        if item.lower() == FULL:
            sizes.append(None)
        elif item.isdigit() and int(item) > 0:
            sizes.append(int(item))
        else:
            raise ConfigError(f"train sizes must be positive integers or 'full', comma-separated (e.g. 250,1000,4000,full); got {item!r}")
    if not sizes or len(set(sizes)) != len(sizes):
        raise ConfigError(f"train sizes must be a non-empty list without repeats, got {text!r}")
    return tuple(sizes)


def size_label(size: int | None) -> str:
    return FULL if size is None else f"{size:,}"


class LearningCurve:
    """Run the augmentation experiment at each training-set size; a verdict per size.

    Parameters
    ----------
    target : str
        Binary class column.
    sizes : sequence of int or None, default=(250, 1000, 4000, None)
        Training rows per seed; ``None`` is the whole training split. Sizes at least as
        large as the split also use all of it.
    **experiment_options
        Passed to every :class:`~synthgan.augment.experiment.AugmentExperiment` (arms,
        classifiers, seeds, seed, ratio, ...); ``train_size`` is set per size.

    Attributes
    ----------
    experiments_ : list of (size, AugmentExperiment)
    curve_ : pandas.DataFrame
        Per size, classifier and arm: the paired difference in PR AUC against no
        resampling, its interval and verdict, and the arm's mean PR AUC.
    verdicts_ : list of dict
        Per size: ``size``, ``train_rows``, ``verdict`` (``"helps"``, ``"hurts"``, ``"mixed"``
        or ``"no measurable effect"``, over the generator arms and classifiers) and a sentence.
    timings_ : dict
    """

    def __init__(self, target: str, *, sizes: Sequence[int | None] = DEFAULT_SIZES,
                 progress: Callable[[str], None] | None = None, **experiment_options: Any) -> None:
        self.target = target
        self.sizes = sizes
        self.progress = progress
        self.experiment_options = experiment_options

    def run(self, train: pd.DataFrame, test: pd.DataFrame | None = None) -> "LearningCurve":
        """Run every size; returns ``self``."""
        sizes = tuple(self.sizes)
        if not sizes or any(s is not None and (isinstance(s, bool) or not isinstance(s, int)) for s in sizes):
            raise ConfigError(f"sizes must be a non-empty sequence of integers or None, got {self.sizes!r}")
        if "train_size" in self.experiment_options:
            raise ConfigError("LearningCurve sets train_size itself; pass sizes=... instead")
        started = time.perf_counter()
        self.experiments_ = []
        for size in sizes:
            def tell(line: str, size=size) -> None:
                if self.progress is not None:
                    self.progress(f"[{size_label(size)} rows] {line}")
            experiment = AugmentExperiment(self.target, train_size=size, progress=tell, **self.experiment_options).run(train, test)
            self.experiments_.append((size, experiment))
        per_size = [(size, _curve_rows(size, exp)) for size, exp in self.experiments_]
        self.curve_ = pd.DataFrame([row for _, rows in per_size for row in rows])
        self.verdicts_ = [_size_verdict(size, rows) for size, rows in per_size]
        self.timings_ = {"total_seconds": time.perf_counter() - started}
        return self

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: the curve, the verdicts per size and every experiment's own result."""
        check_is_fitted(self, "curve_")
        return {
            "target": self.target, "sizes": [size_label(s) for s, _ in self.experiments_],
            "primary_metric": PRIMARY_METRIC, "verdicts": self.verdicts_,
            "curve": json.loads(self.curve_.to_json(orient="records", double_precision=10)),  # NaN -> null
            "experiments": [{"size": size_label(s), **exp.to_dict()} for s, exp in self.experiments_],
            "timings": self.timings_,
        }


def _train_rows(experiment: AugmentExperiment) -> int:
    return int(round(sum(s["train"] for s in experiment.info_["splits"]) / len(experiment.info_["splits"])))


def _curve_rows(size: int | None, experiment: AugmentExperiment) -> list[dict[str, Any]]:
    paired = experiment.paired_[experiment.paired_["metric"] == PRIMARY_METRIC]
    means = experiment.summary_[experiment.summary_["metric"] == PRIMARY_METRIC].set_index(["classifier", "arm"])["mean"]
    rows, train_rows = [], _train_rows(experiment)
    for row in paired.to_dict("records"):
        rows.append({"size": size_label(size), "train_rows": train_rows, "classifier": row["classifier"],
                     "arm": row["arm"], "generator": row["arm"] not in RESAMPLING_ARMS,
                     "mean": float(means.get((row["classifier"], row["arm"]), float("nan"))),
                     "baseline_mean": float(means.get((row["classifier"], "none"), float("nan"))),
                     "mean_diff": row["mean_diff"], "ci_low": row["ci_low"], "ci_high": row["ci_high"], "verdict": row["verdict"]})
    return rows


def _size_verdict(size: int | None, curve_rows: list[dict[str, Any]]) -> dict[str, Any]:
    """One verdict per size over the generator arms: helps (some helped, none hurt), hurts, mixed, or no effect."""
    rows = [r for r in curve_rows if r["generator"]]
    train_rows = curve_rows[0]["train_rows"] if curve_rows else 0
    helped = [r for r in rows if r["verdict"] == HELPED]
    hurt = [r for r in rows if r["verdict"] == HURT]
    verdict = "mixed" if helped and hurt else "helps" if helped else "hurts" if hurt else "no measurable effect"
    metric = METRICS[PRIMARY_METRIC][0]

    def named(r: dict[str, Any]) -> str:
        return (f"{arm_label(r['arm'])} on {CLASSIFIER_LABELS.get(r['classifier'], r['classifier'])} "
                f"{r['mean_diff']:+.4f} [{r['ci_low']:+.4f}, {r['ci_high']:+.4f}]")

    phrase = {"mixed": "had mixed effects", "no measurable effect": "made no measurable difference"}.get(verdict, verdict)
    parts = [f"with {train_rows:,} training rows, synthetic augmentation {phrase}"]
    if helped:
        parts.append("helped: " + "; ".join(named(r) for r in helped))
    if hurt:
        parts.append("hurt: " + "; ".join(named(r) for r in hurt))
    sentence = f"{parts[0]} ({metric} vs no resampling)" + (": " + " / ".join(parts[1:]) if parts[1:] else "") + "."
    return {"size": size_label(size), "train_rows": train_rows, "verdict": verdict, "sentence": sentence}
