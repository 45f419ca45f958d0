"""One self-contained HTML report of a series evaluation (returns or sensors).

The figures are matplotlib ``Figure`` objects (no pyplot) inlined as base64 PNG data URIs
through :mod:`synthgan.reports.plots`, the page is rendered from
``synthgan/reports/templates/series_report.html.j2`` with a Content-Security-Policy that
forbids any network fetch, and the file is written atomically.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from synthgan.errors import ConfigError
from synthgan.timeseries.evaluation.stylized import as_paths

N_SAMPLE_PATHS = 20
MAX_PROFILE_COLUMNS = 12
QQ_PROBS = np.linspace(0.001, 0.999, 199)


def _fmt(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _figure(width: float, height: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def _png(fig) -> str:
    from synthgan.reports.plots import _png as png

    return png(fig)


def _legend(ax) -> None:
    ax.tick_params(labelsize=7)
    ax.legend(fontsize=7, frameon=False)


def sample_paths_plot(real: np.ndarray, synthetic: np.ndarray, dim: int = 0) -> str:
    """Cumulative returns: the real history and the first synthetic paths, side by side."""
    from synthgan.reports.plots import REAL, SYNTH

    fig = _figure(9.5, 3.0)
    ax_r, ax_s = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    ax_r.plot(np.cumsum(real[0, :, dim]), color=REAL, linewidth=0.8)
    ax_r.set_title("real (cumulative return)", fontsize=9)
    ax_s.plot(np.cumsum(synthetic[:N_SAMPLE_PATHS, :, dim], axis=1).T, color=SYNTH, linewidth=0.6, alpha=0.6)
    ax_s.set_title(f"synthetic, first {min(N_SAMPLE_PATHS, len(synthetic))} paths", fontsize=9)
    for ax in (ax_r, ax_s):
        ax.set_xlabel("step", fontsize=8)
        ax.tick_params(labelsize=7)
    return _png(fig)


def qq_plot(real: np.ndarray, synthetic: np.ndarray) -> str:
    """Quantiles of the synthetic returns against those of the real returns (0.1 % to 99.9 %)."""
    from synthgan.reports.plots import SYNTH

    qr, qs = np.quantile(real.ravel(), QQ_PROBS), np.quantile(synthetic.ravel(), QQ_PROBS)
    fig = _figure(4.2, 3.6)
    ax = fig.add_subplot()
    lo, hi = min(qr[0], qs[0]), max(qr[-1], qs[-1])
    ax.plot([lo, hi], [lo, hi], color="#999", linewidth=0.8, label="y = x")
    ax.scatter(qr, qs, s=6, color=SYNTH, label="synthetic vs real quantile")
    ax.set_xlabel("real return quantile", fontsize=8)
    ax.set_ylabel("synthetic return quantile", fontsize=8)
    _legend(ax)
    return _png(fig)


def acf_plot(stats: dict[str, Any]) -> str:
    """ACF of r, |r| and r^2 (lags 1..max_lag): real, synthetic pooled and synthetic averaged over paths."""
    from synthgan.reports.plots import REAL, SYNTH

    fig = _figure(11.0, 3.0)
    real, synth = stats["real"], stats["synthetic"]
    for i, (key, label) in enumerate((("r", "r"), ("abs", "|r|"), ("sq", "r²"))):
        ax = fig.add_subplot(1, 3, i + 1)
        lags = np.arange(1, len(real["acf"][key]))
        as_float = lambda v: np.array([np.nan if x is None else x for x in v[1:]], dtype=float)  # noqa: E731
        ax.plot(lags, as_float(real["acf"][key]), color=REAL, label="real")
        ax.plot(lags, as_float(synth["acf"][key]), color=SYNTH, label="synthetic (pooled)")
        ax.plot(lags, as_float(synth["acf_path_mean"][key]), color=SYNTH, linestyle="--", linewidth=0.8,
                label="synthetic (mean over paths)")
        ax.axhline(0, color="#999", linewidth=0.6)
        ax.set_title(f"ACF of {label}", fontsize=9)
        ax.set_xlabel("lag", fontsize=8)
        _legend(ax)
    return _png(fig)


def leverage_plot(stats: dict[str, Any]) -> str:
    """Leverage: Bouchaud's L(k) and corr(r_t, r_{t+k}^2), real vs synthetic."""
    from synthgan.reports.plots import REAL, SYNTH

    fig = _figure(9.0, 3.0)
    for i, (key, title) in enumerate((("leverage", r"$L(k) = E[r_t\, r^2_{t+k}]\, /\, E[r^2]^2$"),
                                      ("leverage_correlation", r"corr$(r_t, r^2_{t+k})$"))):
        ax = fig.add_subplot(1, 2, i + 1)
        values = [np.array([np.nan if x is None else x for x in s[key]], dtype=float)
                  for s in (stats["real"], stats["synthetic"])]
        lags = np.arange(1, len(values[0]) + 1)
        ax.plot(lags, values[0], color=REAL, marker="o", markersize=2, label="real")
        ax.plot(lags, values[1], color=SYNTH, marker="o", markersize=2, label="synthetic")
        ax.axhline(0, color="#999", linewidth=0.6)
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("lag k", fontsize=8)
        _legend(ax)
    return _png(fig)


def profile_plot(section: dict[str, Any], xlabel: str) -> str:
    """One small panel per column: the real and synthetic mean by bucket (hour or day of week)."""
    from synthgan.reports.plots import REAL, SYNTH, _short

    columns = list(section["real"])[:MAX_PROFILE_COLUMNS]
    per_row = min(4, len(columns))
    rows = -(-len(columns) // per_row)
    fig = _figure(3.2 * per_row, 2.4 * rows)
    for i, c in enumerate(columns):
        ax = fig.add_subplot(rows, per_row, i + 1)
        for key, color in (("real", REAL), ("synthetic", SYNTH)):
            ax.plot(section["buckets"], [np.nan if v is None else v for v in section[key][c]], color=color,
                    marker="o", markersize=2, label=key)
        ax.set_title(_short(c, 30), fontsize=9)
        ax.set_xlabel(xlabel, fontsize=7)
        _legend(ax)
    return _png(fig)


def sensor_sample_plot(real: pd.DataFrame, synthetic: pd.DataFrame, columns: list[str], time_column: str,
                       entity_column: str | None, steps: int = 500) -> str | None:
    """The first ``steps`` rows of the first entity, up to three value columns: real above, synthetic below."""
    from synthgan.reports.plots import REAL, SYNTH, _short

    columns = columns[:3]
    if not columns:
        return None
    fig = _figure(9.5, 1.8 * len(columns) + 0.6)
    for i, frame in enumerate((real, synthetic)):
        keys = [c for c in (entity_column, time_column) if c]
        frame = frame.sort_values(keys, kind="stable")
        if entity_column:
            frame = frame[frame[entity_column] == frame[entity_column].iloc[0]]
        frame = frame.head(steps)
        for j, c in enumerate(columns):
            ax = fig.add_subplot(len(columns), 2, 2 * j + i + 1)
            ax.plot(np.arange(len(frame)), frame[c].to_numpy(dtype=float), color=(REAL, SYNTH)[i], linewidth=0.7)
            ax.set_title(f"{('real', 'synthetic')[i]}: {_short(c, 30)}", fontsize=8)
            ax.tick_params(labelsize=7)
    return _png(fig)


def _row(name: str, real: Any, synth: Any, path_mean: Any = None, diff: Any = None) -> dict[str, str]:
    return {"name": name, "real": _fmt(real), "synthetic": _fmt(synth), "path_mean": _fmt(path_mean),
            "diff": _fmt(diff if diff is not None or real is None or synth is None else abs(real - synth))}


def _stylized_rows(s: dict[str, Any]) -> list[dict[str, str]]:
    real, synth, dist = s["real"], s["synthetic"], s["distances"]
    rows = [_row(k if k != "kurtosis" else "kurtosis (excess)", real["moments"][k], synth["moments"][k])
            for k in real["moments"]]
    rows += [_row(f"Hill tail index ({k})", real["tail_index"][k], synth["tail_index"][k]) for k in real["tail_index"]]
    for key, label in (("r", "r"), ("abs", "|r|"), ("sq", "r²")):
        for lag in (1, 10, 100):
            if lag < len(real["acf"][key]):
                rows.append(_row(f"ACF {label} lag {lag}", real["acf"][key][lag], synth["acf"][key][lag],
                                 synth["acf_path_mean"][key][lag]))
    for lag in (1, 5):
        if lag <= len(real["leverage"]):
            rows.append(_row(f"leverage L({lag})", real["leverage"][lag - 1], synth["leverage"][lag - 1],
                             synth["leverage_path_mean"][lag - 1]))
            rows.append(_row(f"corr(r_t, r²_t+{lag})", real["leverage_correlation"][lag - 1],
                             synth["leverage_correlation"][lag - 1]))
    rows += [_row(f"excess kurtosis of {h}-step sums", real["kurtosis_of_sums"][h], synth["kurtosis_of_sums"][h])
             for h in real["kurtosis_of_sums"]]
    rows += [_row(f"Wasserstein-1 of {h}-step sums", None, None, None, v) for h, v in dist["wasserstein_sums"].items()]
    return rows


def _returns_context(results: dict[str, Any], real: Any, synthetic: Any) -> dict[str, Any]:
    from synthgan.reports.plots import dcr_curves, pair_heatmaps

    r, s = as_paths(real, name="real", paths=False), as_paths(synthetic, name="synthetic", paths=True)
    dims = []
    for j, st in enumerate(results["stylized"]):
        dims.append({"index": j, "paths": sample_paths_plot(r, s, j), "qq": qq_plot(r[..., j], s[..., j]),
                     "acf": acf_plot(st), "leverage": leverage_plot(st), "rows": _stylized_rows(st)})
    heatmap = None
    if r.shape[2] > 1:
        flat_r, flat_s = r.reshape(-1, r.shape[2]), s.reshape(-1, s.shape[2])
        heatmap = pair_heatmaps({"columns": [f"dim {j}" for j in range(r.shape[2])],
                                 "real": np.corrcoef(flat_r.T), "synthetic": np.corrcoef(flat_s.T)})
    copying = results["copying"]
    return {"dims": dims, "returns_heatmap": heatmap, "discriminative": results["discriminative"],
            "predictive": results["predictive"], "copying": copying,
            "copying_plot": dcr_curves(copying) if copying.get("synthetic_quantiles") else None}


def _sensors_context(results: dict[str, Any], real: pd.DataFrame, synthetic: pd.DataFrame) -> dict[str, Any]:
    from synthgan.reports.plots import pair_heatmaps

    corr = results["correlations"]
    heatmaps = []
    if corr.get("distance") is not None and len(corr["columns"]) >= 1:
        for lag in (0, 1):
            if lag < len(corr["real"]):
                mats = {"columns": corr["columns"], "real": corr["real"][lag], "synthetic": corr["synthetic"][lag]}
                heatmaps.append({"lag": lag, "img": pair_heatmaps(mats)})
    profiles = {}
    for key, xlabel in (("daily_profile", "hour of day"), ("weekly_profile", "day of week (0 = Monday)")):
        section = results[key]
        profiles[key] = {"distance": section.get("distance"), "reason": section.get("reason", ""),
                         "img": profile_plot(section, xlabel) if section.get("distance") is not None else None}
    meta = results["meta"]
    sample = sensor_sample_plot(real, synthetic, list(results["columns"]["values"]), meta["time_column"],
                                meta["entity_column"])
    return {"heatmaps": heatmaps, "profiles": profiles, "sensor_sample": sample, "events": results["event_shares"],
            "static": results["static"],
            "correlations": corr}


def render_series_report(results: dict[str, Any], real: Any, synthetic: Any, *,
                         title: str = "synthgan time-series evaluation") -> str:
    """The report's HTML text (see :func:`write_series_report`)."""
    import jinja2

    kind = results.get("kind")
    if kind not in ("returns", "sensors"):
        raise ConfigError(f"results must come from evaluate_returns or evaluate_sensors (kind 'returns' or "
                          f"'sensors'), got kind {kind!r}")
    context = {"title": title, "kind": kind, "meta": results["meta"], "summary": results["summary"], "fmt": _fmt,
               "generated": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}
    context.update(_returns_context(results, real, synthetic) if kind == "returns"
                   else _sensors_context(results, real, synthetic))
    source = resources.files("synthgan.reports").joinpath("templates/series_report.html.j2").read_text(encoding="utf-8")
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    return env.from_string(source).render(**context)


def write_series_report(results: dict[str, Any], real: Any, synthetic: Any, path: str | os.PathLike, *,
                        title: str = "synthgan time-series evaluation") -> Path:
    """Write one self-contained HTML report of a series evaluation (atomically).

    Parameters
    ----------
    results : dict
        What :func:`~synthgan.timeseries.evaluation.evaluate_returns` or
        :func:`~synthgan.timeseries.evaluation.evaluate_sensors` returned.
    real, synthetic
        The evaluated data: return arrays (``(T,)``/``(T, d)`` and ``(n_paths, length[, d])``)
        for returns, long DataFrames for sensors.
    path : str or PathLike
        The HTML file to write.
    title : str, default="synthgan time-series evaluation"
        Page title and heading.

    Returns
    -------
    Path
        ``path``.
    """
    from synthgan.io.atomic import atomic_path

    html = render_series_report(results, real, synthetic, title=title)
    with atomic_path(path, what="HTML report") as tmp:
        Path(tmp).write_text(html, encoding="utf-8")
    return Path(path)
