"""Render augmentation experiment and collapse study results: JSON, plain text and one self-contained HTML file.

Renderers take the JSON-safe dicts from ``to_dict()`` (so a saved JSON file can
be re-rendered later); plots are drawn with matplotlib's object API (no pyplot
global state) and embedded as base64 PNG, so the HTML needs no network.
"""

from __future__ import annotations

import base64
import io
import json
import math
import os
from pathlib import Path
from typing import Any

from synthgan.augment.arms import arm_label
from synthgan.augment.classifiers import CLASSIFIER_LABELS
from synthgan.augment.metrics import METRICS, PRIMARY_METRIC

PLOTTED_METRICS = ("pr_auc", "roc_auc", "f1", "brier")
TABLE_METRICS = ("pr_auc", "roc_auc", "f1", "recall", "balanced_accuracy", "brier", "f1_decision")
_COLORS = {"resampling": "#4c72b0", "generator": "#dd8452", "baseline": "#555555"}


def write_json(data: dict[str, Any], path: str | os.PathLike) -> Path:
    """Write ``data`` as indented JSON atomically (NaN is written as null)."""
    from synthgan.io.atomic import atomic_path

    with atomic_path(path, what="JSON results") as tmp:
        tmp.write_text(json.dumps(_no_nan(data), indent=2, default=str) + "\n", encoding="utf-8")
    return Path(path)


def _no_nan(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _no_nan(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_no_nan(v) for v in value]
    return value


def _png(fig) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _num(value: Any, digits: int = 4) -> str:
    return "–" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.{digits}f}"


def _summary_rows(result: dict[str, Any]) -> dict[tuple[str, str, str], dict[str, Any]]:
    return {(r["classifier"], r["arm"], r["metric"]): r for r in result["summary"]}


def _paired_rows(result: dict[str, Any]) -> dict[tuple[str, str, str], dict[str, Any]]:
    return {(r["classifier"], r["arm"], r["metric"]): r for r in result["paired"]}


def experiment_figure(result: dict[str, Any], metric: str, *, paired: bool = False) -> str:
    """Base64 PNG: ``metric`` per arm with its interval (or, with ``paired``, the difference from no resampling), one panel per classifier."""
    from matplotlib.figure import Figure

    arms, classifiers = result["info"]["arms"], result["info"]["classifiers"]
    if paired:
        arms = [a for a in arms if a != "none"]
    generators = set(result["info"]["generator_budget"])
    rows, centre = (_paired_rows(result), "mean_diff") if paired else (_summary_rows(result), "mean")
    fig = Figure(figsize=(4.2 * len(classifiers), 0.42 * len(arms) + 1.2))
    axes = fig.subplots(1, len(classifiers), sharey=True, squeeze=False)[0]
    for ax, classifier in zip(axes, classifiers):
        for position, arm in enumerate(arms):
            row = rows.get((classifier, arm, metric), {})
            mean, low, high = row.get(centre), row.get("ci_low"), row.get("ci_high")
            if mean is None:
                continue
            color = _COLORS["baseline" if arm == "none" else "generator" if arm in generators else "resampling"]
            err = None if low is None or high is None else [[mean - low], [high - mean]]
            ax.errorbar(mean, position, xerr=err, fmt="o", color=color, capsize=3)
            if arm == "none":
                ax.axvline(mean, color=color, linestyle=":", linewidth=1)
        if paired:
            ax.axvline(0.0, color=_COLORS["baseline"], linestyle=":", linewidth=1)
        ax.set_title(CLASSIFIER_LABELS.get(classifier, classifier), fontsize=10)
        ax.set_xlabel(("difference in " if paired else "") + METRICS[metric][0] + (" vs no resampling" if paired else ""), fontsize=9)
        ax.grid(axis="x", alpha=0.3)
    axes[0].set_yticks(range(len(arms)), [arm_label(a) for a in arms], fontsize=9)
    axes[0].invert_yaxis()
    fig.tight_layout()
    return _png(fig)


def experiment_tables(result: dict[str, Any]) -> list[dict[str, Any]]:
    """One table per classifier: rows = arms, cells = mean [interval] and paired difference for each metric."""
    summary, paired = _summary_rows(result), _paired_rows(result)
    tables = []
    for classifier in result["info"]["classifiers"]:
        rows = []
        for arm in result["info"]["arms"]:
            cells = []
            for metric in TABLE_METRICS:
                s = summary.get((classifier, arm, metric), {})
                p = paired.get((classifier, arm, metric))
                cells.append({
                    "mean": _num(s.get("mean"), 3), "ci": f"[{_num(s.get('ci_low'), 3)}, {_num(s.get('ci_high'), 3)}]",
                    "diff": None if p is None else f"{_num(p['mean_diff'], 3)} [{_num(p['ci_low'], 3)}, {_num(p['ci_high'], 3)}]",
                    "verdict": None if p is None else p["verdict"],
                })
            rows.append({"arm": arm_label(arm), "cells": cells})
        tables.append({"classifier": CLASSIFIER_LABELS.get(classifier, classifier), "rows": rows})
    return tables


def privacy_rows(result: dict[str, Any]) -> list[dict[str, str]]:
    """Mean share of each arm's synthetic minority rows closer to train than to holdout, over seeds."""
    from synthgan.augment.stats import mean_ci

    by_arm: dict[str, list[float]] = {}
    for row in result["privacy"]:
        by_arm.setdefault(row["arm"], []).append(math.nan if row["closer_to_train_share"] is None else row["closer_to_train_share"])
    rows = []
    for arm, values in by_arm.items():
        mean, low, high = mean_ci(values)
        rows.append({"arm": arm_label(arm), "mean": _num(mean, 3), "ci": f"[{_num(low, 3)}, {_num(high, 3)}]"})
    return rows


def _render(template: str, **context: Any) -> str:
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(loader=PackageLoader("synthgan", "reports/templates"), autoescape=select_autoescape(["html", "j2"]))
    return env.get_template(template).render(**context)


def write_experiment_html(result: dict[str, Any], path: str | os.PathLike, *, title: str = "Augmentation experiment") -> Path:
    """Write the experiment report: verdicts, results tables, plots with intervals, privacy and settings."""
    from synthgan.io.atomic import atomic_path

    html = _render(
        "augment_experiment.html.j2", title=title, result=result, info=result["info"], timings=result["timings"],
        verdicts=result["verdicts"], tables=experiment_tables(result), metric_labels=[METRICS[m][0] for m in TABLE_METRICS],
        figures=_figures(result),
        privacy=privacy_rows(result), leakage=result["leakage_checks"],
    )
    with atomic_path(path, what="HTML report") as tmp:
        tmp.write_text(html, encoding="utf-8")
    return Path(path)


def _figures(result: dict[str, Any]) -> list[tuple[str, str]]:
    present = {r["metric"] for r in result["summary"]}
    figures = [(f"Paired difference in {METRICS[PRIMARY_METRIC][0]} against no resampling", experiment_figure(result, PRIMARY_METRIC, paired=True))]
    return figures + [(METRICS[m][0], experiment_figure(result, m)) for m in PLOTTED_METRICS if m in present]


def experiment_text(result: dict[str, Any], *, full: bool = True) -> str:
    """Verdicts (and, with ``full``, PR AUC per arm) as plain text for the terminal."""
    lines = [v["sentence"] for v in result["verdicts"]]
    if full:
        summary, paired = _summary_rows(result), _paired_rows(result)
        for classifier in result["info"]["classifiers"]:
            lines.append(f"\n{CLASSIFIER_LABELS.get(classifier, classifier)}: PR AUC mean [95% CI]; difference vs no resampling")
            for arm in result["info"]["arms"]:
                s = summary.get((classifier, arm, "pr_auc"), {})
                p = paired.get((classifier, arm, "pr_auc"))
                diff = "" if p is None else f"  {_num(p['mean_diff'])} [{_num(p['ci_low'])}, {_num(p['ci_high'])}] {p['verdict']}"
                lines.append(f"  {arm_label(arm):32s} {_num(s.get('mean'))} [{_num(s.get('ci_low'))}, {_num(s.get('ci_high'))}]{diff}")
    lines.append(f"({result['info']['seeds']} seeds, {result['timings']['total_seconds']:.0f} s)")
    return "\n".join(lines)


# --------------------------------------------------------------------- collapse study
COLLAPSE_SCORES = ("tail_coverage", "rare_category_coverage", "category_coverage", "column_shapes", "column_pair_trends")


def collapse_figure(study: dict[str, Any]) -> str:
    """Base64 PNG: each score against the generation number."""
    from matplotlib.figure import Figure

    rows = study["generations"]
    fig = Figure(figsize=(7.5, 4.0))
    ax = fig.subplots()
    # Distinct markers and widths keep scores that coincide (often at 1.0) visible.
    for (name, marker), width in zip(zip(COLLAPSE_SCORES, "osD^v"), (5, 4, 3, 2, 1.5)):
        points = [(r["generation"], r[name]) for r in rows if r.get(name) is not None]
        if points:
            ax.plot(*zip(*points), marker=marker, linewidth=width, markersize=3 + width, alpha=0.8, label=name.replace("_", " "))
    ax.set_xlabel("generation (1 = trained on real data)")
    ax.set_ylabel("score vs the real table (1 = perfect)")
    ax.set_ylim(-0.02, 1.02)
    ax.set_xticks([r["generation"] for r in rows])
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower left")
    fig.tight_layout()
    return _png(fig)


def write_collapse_html(study: dict[str, Any], path: str | os.PathLike, *, title: str = "Model collapse study") -> Path:
    """Write the collapse study report: the per-generation table and plot."""
    from synthgan.io.atomic import atomic_path

    rows = [{**r, **{k: _num(r.get(k), 3) for k in COLLAPSE_SCORES},
             "lost": "; ".join(f"{c}: {', '.join(v)}" for c, v in (r.get("lost_rare_categories") or {}).items()) or "none"}
            for r in study["generations"]]
    html = _render("augment_collapse.html.j2", title=title, study=study, rows=rows, scores=COLLAPSE_SCORES,
                   figure=collapse_figure(study))
    with atomic_path(path, what="HTML report") as tmp:
        tmp.write_text(html, encoding="utf-8")
    return Path(path)


def collapse_text(study: dict[str, Any]) -> str:
    """The per-generation scores as a plain-text table."""
    header = "generation " + " ".join(f"{name:>22s}" for name in COLLAPSE_SCORES)
    lines = [header]
    for row in study["generations"]:
        lines.append(f"{row['generation']:>10d} " + " ".join(f"{_num(row.get(k), 3):>22s}" for k in COLLAPSE_SCORES))
    return "\n".join(lines)
