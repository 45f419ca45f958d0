"""Render the anomaly experiment: plain text, and one self-contained HTML file with ROC and PR curves.

Renderers take the JSON-safe dict of :meth:`AnomalyExperiment.to_dict`, so a saved
JSON file can be rendered again later. Plots use matplotlib's object API (no pyplot
global state) and are embedded as base64 PNG (no network needed). Curves are those of
the first seed, thinned to at most :data:`CURVE_POINTS` points each.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import numpy as np

from synthgan.augment.report import _png, _render, write_json

__all__ = ["CURVE_POINTS", "curve_points", "experiment_text", "write_anomaly_html", "write_json"]

CURVE_POINTS = 200
_METRICS = (("pr_auc", "PR AUC"), ("roc_auc", "ROC AUC"))
_COLORS = {"synthgan": "#dd8452", "baseline": "#4c72b0"}


def _thin(*arrays: np.ndarray, limit: int = CURVE_POINTS) -> list[list[float]]:
    n = len(arrays[0])
    keep = np.unique(np.linspace(0, n - 1, min(n, limit)).round().astype(int))
    return [[round(float(v), 5) for v in a[keep]] for a in arrays]


def curve_points(y: np.ndarray, scores: np.ndarray) -> dict[str, dict[str, list[float]]]:
    """ROC (``fpr``, ``tpr``) and precision-recall (``recall``, ``precision``) points of ``scores`` on labels ``y``."""
    from sklearn.metrics import precision_recall_curve, roc_curve

    scores = np.nan_to_num(np.asarray(scores, dtype="float64"), nan=np.inf)
    fpr, tpr, _ = roc_curve(y, scores)
    precision, recall, _ = precision_recall_curve(y, scores)
    fpr, tpr = _thin(fpr, tpr)
    recall, precision = _thin(recall[::-1], precision[::-1])
    return {"roc": {"fpr": fpr, "tpr": tpr}, "pr": {"recall": recall, "precision": precision}}


def _num(value: Any, digits: int = 3) -> str:
    return "–" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.{digits}f}"


def _index(rows: list[dict[str, Any]], *keys: str) -> dict[tuple, dict[str, Any]]:
    return {tuple(r[k] for k in keys): r for r in rows}


def _methods(result: dict[str, Any]) -> list[dict[str, Any]]:
    return result["info"]["methods"]


def result_tables(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Per shot count: one row per method with PR AUC and ROC AUC (mean [interval]), the paired difference
    against the best baseline, and fit and score seconds."""
    summary = _index(result["summary"], "shots", "method", "metric")
    paired = _index(result["paired"], "shots", "method", "baseline", "metric")
    tables = []
    for verdict in result["verdicts"]:
        k, best = verdict["shots"], verdict["best_baseline"]
        rows = []
        for method in _methods(result):
            cells = {}
            for metric, _ in _METRICS:
                s = summary.get((k, method["name"], metric), {})
                p = paired.get((k, method["name"], best, metric))
                cells[metric] = {"mean": _num(s.get("mean")), "ci": f"[{_num(s.get('ci_low'))}, {_num(s.get('ci_high'))}]",
                                 "diff": None if p is None else f"{_num(p['mean_diff'], 3)} [{_num(p['ci_low'])}, {_num(p['ci_high'])}]",
                                 "verdict": None if p is None else p["verdict"]}
            seconds = {m: _num(summary.get((k, method["name"], m), {}).get("mean"), 2) for m in ("fit_seconds", "score_seconds")}
            rows.append({"label": method["label"], "kind": method["kind"], "synthgan": method["synthgan"],
                         "best": method["name"] == best, "cells": cells, **seconds})
        tables.append({"shots": k, "best_baseline": best, "rows": rows})
    return tables


def curves_figure(result: dict[str, Any], shots: int) -> str:
    """Base64 PNG: ROC and PR curves of every method on the first seed's test rows, for ``shots`` labelled anomalies."""
    from matplotlib.figure import Figure

    curves = result["curves"].get(str(shots), {})
    fig = Figure(figsize=(11.5, 4.6))
    roc_ax, pr_ax = fig.subplots(1, 2)
    share = result["info"]["anomaly_share"]
    from matplotlib import colormaps

    palette = colormaps["tab20"].colors
    for index, method in enumerate(_methods(result)):
        curve = curves.get(method["name"])
        if curve is None:
            continue
        style = {"color": palette[index % len(palette)], "linewidth": 2.2 if method["synthgan"] else 1.1,
                 "linestyle": "-" if method["synthgan"] else "--", "label": method["label"]}
        roc_ax.plot(curve["roc"]["fpr"], curve["roc"]["tpr"], **style)
        pr_ax.plot(curve["pr"]["recall"], curve["pr"]["precision"], **style)
    roc_ax.plot([0, 1], [0, 1], color="#999", linewidth=0.8)
    pr_ax.axhline(share, color="#999", linewidth=0.8)
    roc_ax.set(xlabel="false positive rate", ylabel="true positive rate", title="ROC", xlim=(0, 1), ylim=(0, 1.01))
    pr_ax.set(xlabel="recall", ylabel="precision", title="precision-recall", xlim=(0, 1), ylim=(0, 1.01))
    for ax in (roc_ax, pr_ax):
        ax.grid(alpha=0.3)
    pr_ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.02, 0.5))
    fig.tight_layout()
    return _png(fig)


def intervals_figure(result: dict[str, Any], metric: str = "pr_auc") -> str:
    """Base64 PNG: ``metric`` per method with its 95 % interval, one panel per shot count."""
    from matplotlib.figure import Figure

    summary = _index(result["summary"], "shots", "method", "metric")
    methods, shots = _methods(result), result["info"]["shots"]
    fig = Figure(figsize=(4.0 * len(shots) + 2.5, 0.38 * len(methods) + 1.3))
    axes = fig.subplots(1, len(shots), sharey=True, squeeze=False)[0]
    for ax, k in zip(axes, shots):
        for position, method in enumerate(methods):
            row = summary.get((k, method["name"], metric))
            if row is None or row["mean"] is None:
                continue
            low, high = row["ci_low"], row["ci_high"]
            err = None if low is None or high is None else [[row["mean"] - low], [high - row["mean"]]]
            ax.errorbar(row["mean"], position, xerr=err, fmt="o", capsize=3,
                        color=_COLORS["synthgan" if method["synthgan"] else "baseline"])
        ax.set_xlim(-0.02, 1.02)
        ax.set_title(f"{k} labelled anomalies", fontsize=10)
        ax.set_xlabel(dict(_METRICS)[metric], fontsize=9)
        ax.grid(axis="x", alpha=0.3)
    axes[0].set_yticks(range(len(methods)), [m["label"] for m in methods], fontsize=8)
    axes[0].invert_yaxis()
    fig.tight_layout()
    return _png(fig)


def write_anomaly_html(result: dict[str, Any], path: str | os.PathLike, *, title: str = "Anomaly experiment") -> Path:
    """Write the report: verdicts, results per shot count, ROC and PR curves, intervals, settings and checks."""
    from synthgan.io.atomic import atomic_path

    curves = [(k, curves_figure(result, k)) for k in result["info"]["shots"]]
    html = _render("anomaly_report.html.j2", title=title, info=result["info"], timings=result["timings"],
                   verdicts=result["verdicts"], tables=result_tables(result), curves=curves,
                   intervals=[(label, intervals_figure(result, metric)) for metric, label in _METRICS],
                   leakage=result["leakage_checks"])
    with atomic_path(path, what="HTML report") as tmp:
        tmp.write_text(html, encoding="utf-8")
    return Path(path)


def experiment_text(result: dict[str, Any], *, full: bool = True) -> str:
    """Verdicts (and, with ``full``, PR AUC and ROC AUC per method) as plain text for the terminal."""
    lines = [v["sentence"] for v in result["verdicts"]]
    if full:
        for table in result_tables(result):
            lines.append(f"\n{table['shots']} labelled anomalies: PR AUC mean [95% CI] | ROC AUC mean [95% CI] | fit s")
            for row in table["rows"]:
                pr, roc = row["cells"]["pr_auc"], row["cells"]["roc_auc"]
                mark = " (best baseline)" if row["best"] else ""
                lines.append(f"  {row['label'][:64]:64s} {pr['mean']} {pr['ci']:15s} | {roc['mean']} {roc['ci']:15s} | "
                             f"{row['fit_seconds']}{mark}")
    failures = result["info"].get("failures") or []
    if failures:
        failed = sorted({f["method"] for f in failures})
        lines.append(f"{len(failures)} arm runs could not make their rows ({', '.join(failed)}); see the report's settings.")
    lines.append(f"({result['info']['seeds']} seeds, {result['timings']['total_seconds']:.0f} s)")
    return "\n".join(lines)
