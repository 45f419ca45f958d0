"""One self-contained HTML report from an :class:`~synthgan.evaluation.EvaluationResult`.

Everything is inline (CSS, a few lines of script, PNG figures as data URIs) and a
Content-Security-Policy forbids any network fetch, so the file opens offline and a
stray external reference would show up as a console error in the browser test.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd

from synthgan.evaluation.suite import EvaluationResult
from synthgan.reports import plots

MAX_COLUMN_PLOTS = 40
_ARROWS = {"maximize": "higher is better", "minimize": "lower is better", "target": "closer to ideal is better"}


def _fmt(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 1e4 else f"{value:,.0f}"
    return str(value)


def _rows(entries: dict[str, dict[str, Any]]) -> list[dict[str, str]]:
    rows = []
    for name, e in entries.items():
        lo, hi = e["range"]
        low, high = ("−∞" if lo is None else _fmt(lo)), ("∞" if hi is None else _fmt(hi))
        rows.append({"name": name, "value": _fmt(e["value"]), "ideal": _fmt(e["ideal"]),
                     "direction": _ARROWS[e["direction"]], "range": f"[{low}, {high}]",
                     "definition": e["definition"], "reason": e["reason"] or ""})
    return rows


def _column_plot(result: EvaluationResult, real: pd.DataFrame, synthetic: pd.DataFrame) -> str | None:
    kinds = {c: k for c, k in result.meta.get("columns", {}).items()
             if k != "id" and c in real.columns and c in synthetic.columns}
    if not kinds:
        return None
    return plots.column_distributions(real, synthetic, dict(list(kinds.items())[:MAX_COLUMN_PLOTS]))


def _fidelity(m: dict[str, Any], result, real, synthetic) -> dict[str, Any]:
    fid = m.get("fidelity")
    if not fid:
        return {}
    shapes = (fid["column_shapes"]["details"] or {}).get("columns", {})
    missing = (fid["missing_values"]["details"] or {}).get("columns", {})
    columns = [{"name": c, "kind": d["kind"], "metric": d["metric"], "score": _fmt(d["score"]),
                "reason": d["reason"] or "", "missing_real": _fmt(missing.get(c, {}).get("real")),
                "missing_synthetic": _fmt(missing.get(c, {}).get("synthetic"))} for c, d in shapes.items()]
    matrices = (fid["column_pair_trends"]["details"] or {}).get("matrices")
    heatmap = plots.pair_heatmaps(matrices) if matrices and len(matrices["columns"]) >= 2 else None
    worst = sorted((p for p in (fid["column_pair_trends"]["details"] or {}).get("pairs", []) if p["score"] is not None),
                   key=lambda p: p["score"])[:8]
    return {"rows": _rows(fid), "columns": columns, "columns_plot": _column_plot(result, real, synthetic),
            "heatmap": heatmap, "worst_pairs": [{"pair": " × ".join(p["columns"]), "metric": p["metric"],
                                                 "score": _fmt(p["score"])} for p in worst]}


def _privacy(m: dict[str, Any]) -> dict[str, Any]:
    priv = m.get("privacy")
    if not priv:
        return {}
    alarm = priv.get("privacy_alarm", {})
    return {"rows": _rows(priv), "dcr_plot": plots.dcr_curves(priv["dcr_ratio"]["details"] or {}),
            "message": (alarm.get("details") or {}).get("message", alarm.get("reason", "")),
            "alarm": alarm.get("value") == 1.0}


def _utility(m: dict[str, Any]) -> dict[str, Any]:
    util = m.get("utility")
    if not util:
        return {}
    order = ("roc_auc", "pr_auc", "f1", "r2", "rmse")
    names = [n for n in order if f"tstr_{n}" in util]
    bars = plots.utility_bars({n: (util.get(f"tstr_{n}", {}).get("value"), util.get(f"trtr_{n}", {}).get("value"))
                               for n in names if n != "rmse"})
    first = next(iter(util.values()))["details"] or {}
    return {"rows": _rows(util), "bars": bars, "test_set": first.get("test_set", "")}


def _fairness(m: dict[str, Any]) -> dict[str, Any]:
    fair = m.get("fairness")
    if not fair:
        return {}
    groups = []
    for key, entry in fair.items():
        if key.startswith("demographic_parity_gap:") and entry["value"] is not None:
            rates = entry["details"]["rates"]
            names = sorted(set(rates["real"]) | set(rates["synthetic"]))
            groups.append({"column": key.split(":", 1)[1], "outcome": entry["details"]["outcome"],
                           "groups": [{"name": g, "real": _fmt(rates["real"].get(g)),
                                       "synthetic": _fmt(rates["synthetic"].get(g))} for g in names]})
    return {"rows": _rows(fair), "groups": groups}


def _simple(m: dict[str, Any], family: str) -> dict[str, Any]:
    return {"rows": _rows(m[family])} if family in m else {}


def render_report(result: EvaluationResult, *, real: pd.DataFrame, synthetic: pd.DataFrame,
                  history: list[dict[str, Any]] | None = None, title: str = "synthgan evaluation report",
                  privacy: dict[str, Any] | None = None) -> str:
    """The report's HTML text (see :func:`write_report`)."""
    m = result.metrics
    detection = _simple(m, "detection")
    if detection:
        top = (m["detection"]["detection_auc"]["details"] or {}).get("top_features", {})
        detection["top_features"] = [{"name": k, "share": f"{v:.0%}"} for k, v in top.items()]
    diversity = _simple(m, "diversity")
    if diversity:
        coverage = m["diversity"].get("category_coverage", {}).get("details") or {}
        diversity["missing_categories"] = coverage.get("missing_categories", {})
        diversity["message"] = (m["diversity"]["mode_collapse"].get("details") or {}).get("message", "")
        diversity["alarm"] = m["diversity"]["mode_collapse"]["value"] == 1.0
    context = {
        "title": title, "generated": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "summary": result.summary(), "meta": result.meta, "fidelity": _fidelity(m, result, real, synthetic),
        "detection": detection, "diversity": diversity, "privacy": _privacy(m), "utility": _utility(m),
        "fairness": _fairness(m), "loss_plot": plots.loss_curves(history) if history else None, "fmt": _fmt,
        "dp_rows": None if privacy is None else _dp_rows(privacy),
    }
    source = resources.files("synthgan.reports").joinpath("templates/report.html.j2").read_text(encoding="utf-8")
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    return env.from_string(source).render(**context)


def _dp_rows(privacy: dict[str, Any]) -> list[tuple[str, str]]:
    from synthgan.dp.describe import privacy_rows  # numpy-only; imported here to keep reports below the pipelines

    return privacy_rows(privacy)


def write_report(result: EvaluationResult, path: str | os.PathLike, *, real: pd.DataFrame, synthetic: pd.DataFrame,
                 history: list[dict[str, Any]] | None = None, title: str = "synthgan evaluation report",
                 privacy: dict[str, Any] | None = None) -> Path:
    """Write one self-contained HTML report (atomically: temp file in the same folder, then rename).

    Parameters
    ----------
    result : EvaluationResult
        What :func:`synthgan.evaluation.evaluate` returned.
    path : str or PathLike
        The HTML file to write.
    real, synthetic : DataFrame
        The tables that were evaluated (for the per-column distribution plots).
    history : list of dict, optional
        Per-epoch training logs (``Synthesizer.history_``) for the loss-curve section.
    title : str, default="synthgan evaluation report"
        Page title and heading.
    privacy : dict, optional
        The model's differential privacy (``Synthesizer.privacy_``), shown under Privacy.

    Returns
    -------
    Path
        ``path``.
    """
    from synthgan.io.atomic import atomic_path

    html = render_report(result, real=real, synthetic=synthetic, history=history, title=title, privacy=privacy)
    with atomic_path(path, what="HTML report") as tmp:
        Path(tmp).write_text(html, encoding="utf-8")
    return Path(path)
