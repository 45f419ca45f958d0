"""Report figures as inline PNG data URIs (matplotlib, no pyplot, no global state).

Figures are drawn on :class:`matplotlib.figure.Figure` objects with the Agg canvas,
so nothing touches pyplot's global figure registry or the process-wide backend.
"""

from __future__ import annotations

import base64
import io
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from synthgan.evaluation._prep import CONTINUOUS, comparable_values, numeric_values

REAL, SYNTH = "#3b6ea8", "#e07b39"
_DPI = 96
_TOP_CATEGORIES = 12


def _png(fig: Figure) -> str:
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=_DPI)  # no bbox_inches="tight": it draws every figure twice
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _short(label: Any, width: int = 18) -> str:
    text = str(label)
    return text if len(text) <= width else text[: width - 1] + "…"


def _draw_column(ax, real: pd.Series, synthetic: pd.Series, kind: str) -> None:
    if kind in CONTINUOUS:
        vr, vs = numeric_values(real), numeric_values(synthetic)
        vr, vs = vr[~np.isnan(vr)], vs[~np.isnan(vs)]
        if vr.size:
            lo, hi = np.percentile(vr, [0.5, 99.5])
            lo, hi = (lo - 0.5, hi + 0.5) if lo == hi else (lo, hi)
            edges = np.linspace(lo, hi, 31)
            # Values outside the real 0.5-99.5 % range are piled into the end bins, not hidden.
            for values, color, label in ((vr, REAL, "real"), (vs, SYNTH, "synthetic")):
                if values.size:
                    density, _ = np.histogram(np.clip(values, lo, hi), bins=edges, density=True)
                    ax.stairs(density, edges, fill=True, alpha=0.5, color=color, label=label)
        ax.set_yticks([])
    else:
        def shares(col: pd.Series) -> pd.Series:
            text = comparable_values(col).astype(str).where(col.notna().to_numpy(), "(missing)")
            return text.value_counts(normalize=True)

        a, b = shares(real), shares(synthetic)
        cats = list(a.index[:_TOP_CATEGORIES])
        y = np.arange(len(cats))
        ax.barh(y - 0.2, a.reindex(cats, fill_value=0).to_numpy(), height=0.4, color=REAL, label="real")
        ax.barh(y + 0.2, b.reindex(cats, fill_value=0).to_numpy(), height=0.4, color=SYNTH, label="synthetic")
        ax.set_yticks(y, [_short(c) for c in cats], fontsize=7)
        ax.invert_yaxis()
        ax.set_xlabel("share of rows", fontsize=7)
    ax.set_title(f"{_short(real.name, 40)} ({kind})", fontsize=9)
    ax.tick_params(labelsize=7)
    ax.legend(fontsize=7, frameon=False)


def column_distributions(real: pd.DataFrame, synthetic: pd.DataFrame, kinds: dict[str, str],
                         per_row: int = 3) -> str:
    """Real vs synthetic distribution of every column in one grid: histograms or side-by-side bars."""
    columns = list(kinds)
    n_rows = -(-len(columns) // per_row)
    height = 2.7 * n_rows
    fig = Figure(figsize=(4.2 * per_row, height))
    # Fixed margins (in inches) instead of a layout engine: twice as fast for a large grid.
    fig.subplots_adjust(left=0.08, right=0.99, top=1 - 0.35 / height, bottom=0.45 / height, wspace=0.42, hspace=0.6)
    for i, name in enumerate(columns):
        _draw_column(fig.add_subplot(n_rows, per_row, i + 1), real[name], synthetic[name], kinds[name])
    return _png(fig)


def pair_heatmaps(matrices: dict[str, Any]) -> str:
    """Three heatmaps: real association, synthetic association and their absolute difference."""
    columns = [_short(c, 14) for c in matrices["columns"]]
    real, synth = np.array(matrices["real"], dtype=float), np.array(matrices["synthetic"], dtype=float)
    n = len(columns)
    size = min(4.6, 1.6 + 0.22 * n)
    fig = Figure(figsize=(3 * size + 1.2, size + 1.0), layout="constrained")
    panels = (("real", real, "RdBu_r", -1, 1), ("synthetic", synth, "RdBu_r", -1, 1),
              ("|real - synthetic|", np.abs(real - synth), "Reds", 0, 1))
    for i, (title, mat, cmap, vmin, vmax) in enumerate(panels):
        ax = fig.add_subplot(1, 3, i + 1)
        image = ax.imshow(np.ma.masked_invalid(mat), cmap=cmap, vmin=vmin, vmax=vmax)
        ax.set_title(title, fontsize=9)
        ax.set_xticks(range(n), columns, rotation=90, fontsize=6)
        ax.set_yticks(range(n), columns if i == 0 else [""] * n, fontsize=6)
        fig.colorbar(image, ax=ax, shrink=0.7)
    return _png(fig)


def loss_curves(history: list[dict[str, Any]]) -> str | None:
    """Per-epoch training losses (keys containing "loss", else every numeric key); None if nothing to draw."""
    frame = pd.DataFrame(history or [])
    if frame.empty:
        return None
    x = frame["epoch"].to_numpy() if "epoch" in frame else np.arange(1, len(frame) + 1)
    numeric = [c for c in frame.columns if c != "epoch" and pd.api.types.is_numeric_dtype(frame[c])]
    keys = [c for c in numeric if "loss" in c.lower()] or [c for c in numeric if c not in ("seconds", "time")]
    if not keys:
        return None
    fig = Figure(figsize=(6.5, 3.0), layout="constrained")
    ax = fig.add_subplot()
    for key in keys:
        ax.plot(x, frame[key].to_numpy(dtype=float), label=key, linewidth=1.2, marker="o" if len(x) < 20 else None)
    ax.set_xlabel("epoch", fontsize=8)
    ax.tick_params(labelsize=7)
    ax.legend(fontsize=7, frameon=False, ncols=min(3, len(keys)))
    return _png(fig)


def dcr_curves(details: dict[str, Any]) -> str | None:
    """Distance-to-closest-training-record distributions (from stored quantiles): synthetic vs holdout."""
    synth = details.get("synthetic_quantiles")
    if not synth:
        return None
    probs = np.linspace(0, 1, len(synth))
    fig = Figure(figsize=(4.6, 2.8), layout="constrained")
    ax = fig.add_subplot()
    ax.plot(synth, probs, color=SYNTH, label="synthetic → train")
    if details.get("holdout_quantiles"):
        ax.plot(details["holdout_quantiles"], probs, color=REAL, label="holdout → train (yardstick)")
    ax.set_xlabel("distance to closest training row", fontsize=8)
    ax.set_ylabel("share of rows", fontsize=8)
    ax.tick_params(labelsize=7)
    ax.legend(fontsize=7, frameon=False)
    return _png(fig)


def utility_bars(scores: dict[str, tuple[float | None, float | None]]) -> str | None:
    """Grouped bars: TSTR vs TRTR per score (``{name: (tstr, trtr)}``)."""
    scores = {k: v for k, v in scores.items() if v[0] is not None and v[1] is not None}
    if not scores:
        return None
    names = list(scores)
    x = np.arange(len(names))
    fig = Figure(figsize=(4.6, 2.8), layout="constrained")
    ax = fig.add_subplot()
    ax.bar(x - 0.2, [scores[n][1] for n in names], width=0.4, color=REAL, label="trained on real (TRTR)")
    ax.bar(x + 0.2, [scores[n][0] for n in names], width=0.4, color=SYNTH, label="trained on synthetic (TSTR)")
    ax.set_xticks(x, names, fontsize=8)
    ax.tick_params(labelsize=7)
    ax.legend(fontsize=7, frameon=False)
    return _png(fig)
