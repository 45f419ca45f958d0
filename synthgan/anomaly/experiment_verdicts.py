"""Paired differences of synthgan's methods against the baselines, and the anomaly experiment's verdicts.

Built on :mod:`synthgan.augment.stats`: a difference is taken per seed (every method
of a seed and shot count sees the same split, labelled anomalies and test rows), its
mean gets a t interval, and a verdict says "helped" or "hurt" only when that
interval excludes 0. The headline verdict per shot count compares synthgan's methods
with the *best baseline* (highest mean of the primary metric among the methods that
use no synthgan model); picking that baseline on the same results can only favour it.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from synthgan.anomaly.enrich import method_label as enrichment_label
from synthgan.anomaly.experiment_detectors import detector_label
from synthgan.augment.stats import HELPED, HURT, NO_DIFFERENCE, UNDETERMINED, paired_differences, verdict_sentence

PAIRED_COLUMNS = ["shots", "method", "baseline", "metric", "n", "mean_diff", "ci_low", "ci_high", "verdict"]
_METRIC_LABELS = {"pr_auc": "PR AUC", "roc_auc": "ROC AUC"}


def paired_table(records: pd.DataFrame, synthgan: list[str], baselines: list[str], metrics: list[str]) -> pd.DataFrame:
    """Every synthgan method against every baseline, per shot count and metric.

    ``records`` is tidy ``seed, classifier, arm, metric, value`` with the shot count
    in ``classifier`` and the method in ``arm`` (the layout of :mod:`synthgan.augment.stats`).
    """
    records = records[records["metric"].isin(metrics)]
    parts = []
    for baseline in baselines:
        diff = paired_differences(records[records["arm"].isin([*synthgan, baseline])], baseline=baseline)
        diff = diff[diff["arm"].isin(synthgan)].assign(baseline=baseline)
        if len(diff):
            parts.append(diff)
    if not parts:
        return pd.DataFrame(columns=PAIRED_COLUMNS)
    out = pd.concat(parts, ignore_index=True).rename(columns={"classifier": "shots", "arm": "method"})
    return out[PAIRED_COLUMNS]


def method_label(method: str) -> str:
    """Human name of any method of the experiment: a detector, or a ``classifier+arm`` pair."""
    return enrichment_label(method) if "+" in method else detector_label(method)


def _mean(means: pd.DataFrame, method: str) -> float:
    value = means.loc[method, "mean"] if method in means.index else math.nan
    return -math.inf if value is None or math.isnan(value) else float(value)


def _interval(row: pd.Series) -> str:
    return f"{row['mean']:.3f} [{row['ci_low']:.3f}, {row['ci_high']:.3f}]"


def experiment_verdicts(summary: pd.DataFrame, paired: pd.DataFrame, shots: list[int], methods: list[str],
                        synthgan: list[str], metric: str, labels: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """One verdict per shot count: synthgan's best method against the best baseline, in plain words.

    Returns dicts with ``shots, metric, best_baseline, best_synthgan, verdict, sentence``
    and ``details`` (one sentence per synthgan method against the best baseline and,
    for classifier + generator pairs, against the same classifier's SMOTE-NC, random
    oversampling and no resampling).
    """
    label = (labels or {}).get
    name = lambda m: label(m) or method_label(m)  # noqa: E731
    metric_label = _METRIC_LABELS.get(metric, metric)
    out = []
    for k in shots:
        means = summary[(summary["shots"] == k) & (summary["metric"] == metric)].set_index("method")
        ran = [m for m in methods if _mean(means, m) > -math.inf]  # methods with results (an arm may have failed)
        base = [m for m in ran if m not in synthgan]
        syn = [m for m in ran if m in synthgan]
        entry: dict[str, Any] = {"shots": k, "metric": metric, "best_baseline": None, "best_synthgan": None,
                                 "verdict": UNDETERMINED, "sentence": "", "details": []}
        out.append(entry)
        best_base = max(base, key=lambda m: _mean(means, m)) if base else None
        entry["best_baseline"] = best_base
        if not syn or not base:
            missing = "no synthgan method" if not syn else "no baseline"
            entry["sentence"] = f"With {k} labelled anomalies {missing} was run (or gave results), so nothing was compared."
            continue
        rows = paired[(paired["shots"] == k) & (paired["metric"] == metric) & (paired["baseline"] == best_base)].set_index("method")
        syn = [m for m in syn if m in rows.index]
        if not syn:
            entry["sentence"] = f"With {k} labelled anomalies no synthgan method shares a seed with {name(best_base)}."
            continue
        helped = [m for m in syn if rows.loc[m, "verdict"] == HELPED]
        best_syn = max(helped, key=lambda m: rows.loc[m, "mean_diff"]) if helped else max(syn, key=lambda m: _mean(means, m))
        entry.update(best_baseline=best_base, best_synthgan=best_syn)
        row = rows.loc[best_syn]
        entry["verdict"] = row["verdict"]
        diff = f"{row['mean_diff']:+.3f} [{row['ci_low']:+.3f}, {row['ci_high']:+.3f}] over {int(row['n'])} seeds"
        syn_text = f"{name(best_syn)} ({metric_label} {_interval(means.loc[best_syn])})"
        base_text = f"the best baseline, {name(best_base)} ({metric_label} {_interval(means.loc[best_base])})"
        if row["verdict"] == HELPED:
            entry["sentence"] = f"With {k} labelled anomalies synthgan helped: {syn_text} beat {base_text} by {diff}."
        elif row["verdict"] == HURT:
            entry["sentence"] = (f"With {k} labelled anomalies synthgan did not help: its best method, {syn_text}, "
                                 f"did worse than {base_text}: {diff}.")
        elif row["verdict"] == NO_DIFFERENCE:
            entry["sentence"] = (f"With {k} labelled anomalies synthgan did not help: its best method, {syn_text}, "
                                 f"made no measurable difference against {base_text}: {diff}.")
        else:
            entry["sentence"] = (f"With {k} labelled anomalies synthgan's best method, {syn_text}, against {base_text}: "
                                 f"{UNDETERMINED}.")
        entry["details"] = _details(paired, k, metric, syn, best_base, name, metric_label)
    return out


def _details(paired: pd.DataFrame, k: int, metric: str, syn: list[str], best_base: str, name, metric_label: str) -> list[str]:
    block = paired[(paired["shots"] == k) & (paired["metric"] == metric)]
    sentences = []
    for method in syn:
        baselines = [best_base]
        classifier, plus, _ = method.partition("+")
        if plus:
            baselines += [f"{classifier}+{arm}" for arm in ("smote_nc", "random_oversampling", "none")]
        for baseline in dict.fromkeys(baselines):
            found = block[(block["method"] == method) & (block["baseline"] == baseline)]
            if len(found):
                sentences.append(verdict_sentence(name(method), f"{k} labelled anomalies", found.iloc[0], metric_label,
                                                  name(baseline)))
    return sentences
