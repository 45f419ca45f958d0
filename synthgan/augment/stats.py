"""Means with t-based confidence intervals over seeds, paired differences against a baseline, and verdicts.

The experiment is paired: within one seed every arm sees the same split, the
same validation rows and the same test rows. The difference ``arm - baseline`` is
therefore taken per seed, and its mean gets a t interval with ``n_seeds - 1``
degrees of freedom. A verdict says "helped" or "hurt" only when that interval
excludes 0 (on the side that is better for the metric).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats as sps

HELPED, NO_DIFFERENCE, HURT = "helped", "made no measurable difference", "hurt"
UNDETERMINED = "undetermined (needs at least 2 seeds)"
CONFIDENCE = 0.95


def mean_ci(values, confidence: float = CONFIDENCE) -> tuple[float, float, float]:
    """``(mean, low, high)`` of the t interval for the mean; NaNs are ignored, one value gives NaN bounds."""
    x = np.asarray(values, dtype="float64")
    x = x[~np.isnan(x)]
    if x.size == 0:
        return math.nan, math.nan, math.nan
    mean = float(x.mean())
    if x.size < 2:
        return mean, math.nan, math.nan
    half = float(sps.t.ppf(0.5 + confidence / 2, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size))
    return mean, mean - half, mean + half


def verdict(low: float, high: float, *, higher_is_better: bool = True) -> str:
    """``"helped"``, ``"hurt"`` or ``"made no measurable difference"`` from a difference interval."""
    if math.isnan(low) or math.isnan(high):
        return UNDETERMINED
    if low > 0:
        return HELPED if higher_is_better else HURT
    if high < 0:
        return HURT if higher_is_better else HELPED
    return NO_DIFFERENCE


def summarize(records: pd.DataFrame, confidence: float = CONFIDENCE) -> pd.DataFrame:
    """Mean and interval per (classifier, arm, metric) of a tidy ``seed, classifier, arm, metric, value`` frame."""
    rows = []
    for (classifier, arm, metric), group in records.groupby(["classifier", "arm", "metric"], sort=False):
        mean, low, high = mean_ci(group["value"], confidence)
        rows.append({"classifier": classifier, "arm": arm, "metric": metric, "n": int(group["value"].notna().sum()),
                     "mean": mean, "ci_low": low, "ci_high": high})
    return pd.DataFrame(rows, columns=["classifier", "arm", "metric", "n", "mean", "ci_low", "ci_high"])


def paired_differences(records: pd.DataFrame, *, baseline: str = "none", higher_is_better: dict[str, bool] | None = None,
                       confidence: float = CONFIDENCE) -> pd.DataFrame:
    """Per (classifier, arm, metric): mean of ``arm - baseline`` over seeds, its interval and the verdict.

    Seeds where either side is missing are dropped from that pair.
    """
    higher_is_better = higher_is_better or {}
    wide = records.pivot_table(index=["classifier", "metric", "seed"], columns="arm", values="value", aggfunc="first", sort=False)
    rows = []
    if baseline not in wide.columns:
        return pd.DataFrame(columns=["classifier", "arm", "metric", "n", "mean_diff", "ci_low", "ci_high", "verdict"])
    for (classifier, metric), block in wide.groupby(level=["classifier", "metric"], sort=False):
        for arm in [a for a in block.columns if a != baseline]:
            diff = (block[arm] - block[baseline]).to_numpy(dtype="float64")
            mean, low, high = mean_ci(diff, confidence)
            rows.append({"classifier": classifier, "arm": arm, "metric": metric, "n": int((~np.isnan(diff)).sum()),
                         "mean_diff": mean, "ci_low": low, "ci_high": high,
                         "verdict": verdict(low, high, higher_is_better=higher_is_better.get(metric, True))})
    return pd.DataFrame(rows, columns=["classifier", "arm", "metric", "n", "mean_diff", "ci_low", "ci_high", "verdict"])


def verdict_sentence(arm_label: str, classifier_label: str, row: pd.Series, metric_label: str, baseline_label: str) -> str:
    """A plain-language verdict such as ``"GAN augmentation (ctgan) helped LightGBM: PR AUC +0.012 [+0.004, +0.020] ..."``."""
    if row["verdict"] == UNDETERMINED:
        return f"{arm_label} on {classifier_label}: {UNDETERMINED}."
    return (f"{arm_label} {row['verdict']} for {classifier_label}: {metric_label} {row['mean_diff']:+.4f} "
            f"[{row['ci_low']:+.4f}, {row['ci_high']:+.4f}] vs {baseline_label} over {int(row['n'])} seeds.")
