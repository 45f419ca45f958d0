"""Means with t intervals per (shot count, arm), paired differences between arms, and one plain verdict per shot count.

The experiment is paired: within one seed and shot count every arm trains on the same
labelled images, from the same initial weights, and is tested on the same test images. A
difference ``arm - baseline`` is therefore taken per seed, and its mean gets a t interval with
``n_seeds - 1`` degrees of freedom (:func:`synthgan.augment.stats.mean_ci`). A verdict says
"helped" or "hurt" only when that interval excludes 0 (:func:`synthgan.augment.stats.verdict`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from synthgan.augment.stats import HELPED, HURT, NO_DIFFERENCE, UNDETERMINED, mean_ci, verdict
from synthgan.images.lowshot.arms import ARM_LABELS, ARMS

__all__ = ["ARMS", "ARM_LABELS", "COMPARISONS", "METRICS", "PRIMARY_METRIC", "VERDICTS", "differences", "summarize",
           "verdict_sentences"]

#: (arm, baseline) pairs whose paired differences are reported
COMPARISONS = (("affine", "none"), ("gan", "none"), ("gan+affine", "none"), ("gan", "affine"), ("gan+affine", "affine"))
#: metric key -> label; accuracy is the primary one
METRICS = {"accuracy": "test accuracy", "macro_f1": "macro-F1"}
PRIMARY_METRIC = "accuracy"
VERDICTS = (HELPED, HURT, NO_DIFFERENCE, UNDETERMINED)


def summarize(records: list[dict[str, Any]], shots: list[int], arms: list[str]) -> list[dict[str, Any]]:
    """Mean and 95 % t interval over seeds per (shots, arm, metric)."""
    rows = []
    for k in shots:
        for arm in arms:
            for metric in METRICS:
                values = [r[metric] for r in records if r["shots"] == k and r["arm"] == arm]
                mean, low, high = mean_ci(values)
                rows.append({"shots": k, "arm": arm, "metric": metric, "n": len(values), "mean": mean,
                             "ci_low": low, "ci_high": high})
    return rows


def differences(records: list[dict[str, Any]], shots: list[int], arms: list[str]) -> list[dict[str, Any]]:
    """Paired ``arm - baseline`` per :data:`COMPARISONS` pair present in ``arms``, with interval and verdict."""
    by_key = {(r["seed"], r["shots"], r["arm"]): r for r in records}
    seeds = sorted({r["seed"] for r in records})
    rows = []
    for k in shots:
        for arm, baseline in COMPARISONS:
            if arm not in arms or baseline not in arms:
                continue
            for metric in METRICS:
                pairs = [(by_key[(s, k, arm)][metric], by_key[(s, k, baseline)][metric]) for s in seeds
                         if (s, k, arm) in by_key and (s, k, baseline) in by_key]
                diff = np.array([a - b for a, b in pairs], dtype=np.float64)
                mean, low, high = mean_ci(diff)
                rows.append({"shots": k, "arm": arm, "baseline": baseline, "metric": metric, "n": len(diff),
                             "mean_diff": mean, "ci_low": low, "ci_high": high, "verdict": verdict(low, high)})
    return rows


def _clause(row: dict[str, Any] | None) -> str | None:
    if row is None:
        return None
    if row["verdict"] == UNDETERMINED:
        return f"{ARM_LABELS[row['arm']]} against {ARM_LABELS[row['baseline']]}: {UNDETERMINED}"
    return (f"{ARM_LABELS[row['arm']]} {row['verdict']} against {ARM_LABELS[row['baseline']]} "
            f"({row['mean_diff']:+.4f} [{row['ci_low']:+.4f}, {row['ci_high']:+.4f}])")


def _fmt(value: float) -> str:
    return "n/a" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.4f}"


def verdict_sentences(summary: list[dict[str, Any]], diffs: list[dict[str, Any]], shots: list[int],
                      n_seeds: int) -> list[dict[str, Any]]:
    """One entry per shot count: the verdicts of the GAN arms and one plain sentence naming where GAN augmentation helped."""
    out = []
    for k in shots:
        d = {(r["arm"], r["baseline"]): r for r in diffs if r["shots"] == k and r["metric"] == PRIMARY_METRIC}
        means = {r["arm"]: r["mean"] for r in summary if r["shots"] == k and r["metric"] == PRIMARY_METRIC}
        gan_none, gan_affine = d.get(("gan", "none")), d.get(("gan", "affine"))
        both_affine = d.get(("gan+affine", "affine"))
        clauses = [c for c in (_clause(gan_none), _clause(gan_affine), _clause(both_affine)) if c]
        accuracies = ", ".join(f"{arm} {_fmt(v)}" for arm, v in means.items())
        compared = [r for r in (gan_none, gan_affine, both_affine) if r is not None]
        helped = list(dict.fromkeys(f"{ARM_LABELS[r['arm']]} over {ARM_LABELS[r['baseline']]}" for r in compared
                                    if r["verdict"] == HELPED))
        hurt = list(dict.fromkeys(f"{ARM_LABELS[r['arm']]} against {ARM_LABELS[r['baseline']]}" for r in compared
                                  if r["verdict"] == HURT))
        if not compared:
            headline = "no GAN arm was compared"
        elif helped:
            headline = "GAN augmentation helped (" + "; ".join(helped) + ")"
        elif any(r["verdict"] == UNDETERMINED for r in compared):
            headline = "undetermined (needs at least 2 seeds)"
        elif hurt:
            headline = "GAN augmentation did not help, and it hurt (" + "; ".join(hurt) + ")"
        else:
            headline = "GAN augmentation did not help measurably"
        sentence = (f"{k} labelled images per class: {headline}. " + ("; ".join(clauses) + ". " if clauses else "")
                    + f"Mean {METRICS[PRIMARY_METRIC]} over {n_seeds} seeds: {accuracies}.")
        out.append({"shots": k, "gan_vs_none": None if gan_none is None else gan_none["verdict"],
                    "gan_vs_affine": None if gan_affine is None else gan_affine["verdict"],
                    "gan_affine_vs_affine": None if both_affine is None else both_affine["verdict"],
                    "helped": bool(helped), "sentence": sentence})
    return out
