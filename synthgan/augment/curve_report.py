"""Render a learning curve (:meth:`synthgan.augment.curve.LearningCurve.to_dict`): text, Markdown and self-contained HTML."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

from synthgan.augment.arms import arm_label
from synthgan.augment.classifiers import CLASSIFIER_LABELS
from synthgan.augment.metrics import METRICS
from synthgan.augment.report import _num, _png, _render


def _cell(row: dict[str, Any]) -> str:
    return f"{_num(row['mean_diff'], 3)} [{_num(row['ci_low'], 3)}, {_num(row['ci_high'], 3)}] {row['verdict']}"


def curve_tables(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Per classifier: one row per size, one cell per arm (difference in PR AUC vs no resampling [95% CI] verdict)."""
    arms = list(dict.fromkeys(r["arm"] for r in result["curve"]))
    tables = []
    for classifier in dict.fromkeys(r["classifier"] for r in result["curve"]):
        rows = []
        for size in result["sizes"]:
            at = {r["arm"]: r for r in result["curve"] if r["classifier"] == classifier and r["size"] == size}
            if not at:
                continue
            first = next(iter(at.values()))
            rows.append({"size": size, "train_rows": first["train_rows"], "baseline": _num(first["baseline_mean"], 3),
                         "cells": [_cell(at[a]) if a in at else "" for a in arms]})
        tables.append({"classifier": CLASSIFIER_LABELS.get(classifier, classifier), "arms": [arm_label(a) for a in arms], "rows": rows})
    return tables


def curve_markdown(result: dict[str, Any]) -> str:
    """The verdicts and the tables as Markdown (for bench/results)."""
    metric = METRICS[result["primary_metric"]][0]
    lines = ["| train rows | verdict |", "|---|---|"]
    lines += [f"| {v['train_rows']:,} | {v['verdict']} |" for v in result["verdicts"]]
    for table in curve_tables(result):
        lines += ["", f"**{table['classifier']}**: {metric} of no resampling, and each arm's paired difference from it [95% CI] and verdict", "",
                  "| train rows | no resampling | " + " | ".join(table["arms"]) + " |",
                  "|---|---|" + "---|" * len(table["arms"])]
        lines += [f"| {r['train_rows']:,} | {r['baseline']} | " + " | ".join(r["cells"]) + " |" for r in table["rows"]]
    return "\n".join(lines)


def curve_text(result: dict[str, Any]) -> str:
    """One verdict sentence per size, for the terminal."""
    return "\n".join(v["sentence"] for v in result["verdicts"]) + f"\n({result['timings']['total_seconds']:.0f} s)"


def curve_figure(result: dict[str, Any]) -> str:
    """Base64 PNG: per classifier, each arm's paired difference in PR AUC with its interval, against training rows."""
    from matplotlib.figure import Figure

    classifiers = list(dict.fromkeys(r["classifier"] for r in result["curve"]))
    fig = Figure(figsize=(6.0 * len(classifiers), 4.0))
    axes = fig.subplots(1, len(classifiers), squeeze=False)[0]
    for ax, classifier in zip(axes, classifiers):
        rows = [r for r in result["curve"] if r["classifier"] == classifier]
        for k, arm in enumerate(dict.fromkeys(r["arm"] for r in rows)):
            points = sorted((r["train_rows"], *(math.nan if r[k] is None else r[k] for k in ("mean_diff", "ci_low", "ci_high")))
                            for r in rows if r["arm"] == arm)
            x = [p[0] * (1 + 0.03 * k) for p in points]  # a small offset keeps the intervals apart
            y = [p[1] for p in points]
            err = [[max(p[1] - p[2], 0) if not math.isnan(p[2]) else 0 for p in points],
                   [max(p[3] - p[1], 0) if not math.isnan(p[3]) else 0 for p in points]]
            ax.errorbar(x, y, yerr=err, marker="o", capsize=3, label=arm_label(arm))
        ax.axhline(0.0, color="#555555", linewidth=1)
        ax.set_xscale("log")
        ax.set_xlabel("training rows (log scale)")
        ax.set_ylabel(f"{METRICS[result['primary_metric']][0]}: arm - no resampling")
        ax.set_title(CLASSIFIER_LABELS.get(classifier, classifier))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    return _png(fig)


def write_curve_html(result: dict[str, Any], path: str | os.PathLike, *, title: str = "Augmentation learning curve") -> Path:
    """Write the learning-curve report: verdicts per size, the figure and the tables."""
    from synthgan.io.atomic import atomic_path

    first = result["experiments"][0]["info"]
    html = _render("augment_curve.html.j2", title=title, result=result, info=first, tables=curve_tables(result),
                   figure=curve_figure(result), metric=METRICS[result["primary_metric"]][0])
    with atomic_path(path, what="HTML report") as tmp:
        tmp.write_text(html, encoding="utf-8")
    return Path(path)
