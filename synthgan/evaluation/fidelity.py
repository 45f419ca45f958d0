"""Fidelity: column shapes, column pair trends, missing values and the overall quality score.

Definitions follow SDMetrics' single-table QualityReport so users can compare:

* column shape = 1 - KS statistic (numerical, datetime) or 1 - total variation
  distance over the non-missing values (categorical);
* pair trend = 1 - |r_real - r_synth| / 2 for two continuous columns (Pearson r on
  rows where both are present), else contingency similarity: 1 - TVD between the
  joint frequency tables, where a continuous column is cut into 10 equal-width bins
  over *its own table's* range (as SDMetrics does) and "missing" is a category.

Everything is computed with integer codes and ``np.bincount`` (no per-row Python).
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pandas as pd

from synthgan.evaluation._prep import CONTINUOUS, infer_kinds, numeric_values, round_safe, scored_columns, shared_codes
from synthgan.evaluation.base import Unavailable, compute, metric

SHAPES = metric(
    "fidelity", "column_shapes", "maximize", (0.0, 1.0),
    "Mean over columns of 1 - KS statistic (numerical, datetime) or 1 - total variation distance "
    "of the category frequencies (categorical), missing values left out (SDMetrics' Column Shapes).",
    ideal=1.0,
)
TRENDS = metric(
    "fidelity", "column_pair_trends", "maximize", (0.0, 1.0),
    "Mean over all column pairs of 1 - |r_real - r_synth|/2 (two continuous columns, Pearson) or "
    "1 - TVD of the joint frequency table (other pairs; continuous columns cut into 10 bins) "
    "(SDMetrics' Column Pair Trends with no association threshold).",
    ideal=1.0,
)
TRENDS_ASSOCIATED = metric(
    "fidelity", "column_pair_trends_associated", "maximize", (0.0, 1.0),
    "Column pair trends averaged only over pairs that are associated in the real table "
    "(|Pearson r| > 0.5, or Cramér's V > 0.3), the default of SDMetrics 0.32's QualityReport.",
    ideal=1.0,
)
QUALITY = metric(
    "fidelity", "quality_score", "maximize", (0.0, 1.0),
    "Mean of column_shapes and column_pair_trends (SDMetrics' overall quality score).",
    ideal=1.0,
)
MISSING = metric(
    "fidelity", "missing_values", "maximize", (0.0, 1.0),
    "Mean over columns of 1 - |missing share in real - missing share in synthetic|; "
    "details list each column's missing share.",
    ideal=1.0,
)

_N_BINS = 10  # numpy's default for histogram_bin_edges, as in SDMetrics
_MAX_DECIMALS = 14  # SDMetrics rounds before KS so float noise does not count as a difference
CORRELATION_THRESHOLD = 0.5
ASSOCIATION_THRESHOLD = 0.3


def _ks_complement(real: np.ndarray, synth: np.ndarray) -> float:
    real, synth = real[~np.isnan(real)], synth[~np.isnan(synth)]
    if real.size == 0 or synth.size == 0:
        raise Unavailable(f"the {'real' if real.size == 0 else 'synthetic'} column has no values")
    real = np.sort(round_safe(real, _MAX_DECIMALS))
    synth = np.sort(round_safe(synth, _MAX_DECIMALS))
    grid = np.concatenate([real, synth])
    cdf_r = np.searchsorted(real, grid, side="right") / real.size
    cdf_s = np.searchsorted(synth, grid, side="right") / synth.size
    return 1.0 - float(np.max(np.abs(cdf_r - cdf_s)))


def _tv_complement(real_codes: np.ndarray, synth_codes: np.ndarray, k: int) -> float:
    real_codes, synth_codes = real_codes[real_codes >= 0], synth_codes[synth_codes >= 0]
    if real_codes.size == 0 or synth_codes.size == 0:
        raise Unavailable(f"the {'real' if real_codes.size == 0 else 'synthetic'} column has no values")
    p = np.bincount(real_codes, minlength=k) / real_codes.size
    q = np.bincount(synth_codes, minlength=k) / synth_codes.size
    return 1.0 - 0.5 * float(np.abs(p - q).sum())


def column_shape_scores(real: pd.DataFrame, synthetic: pd.DataFrame,
                        kinds: dict[str, str] | None = None) -> dict[str, dict[str, Any]]:
    """Per-column shape score: ``{column: {"metric", "kind", "score", "reason", "missing_left_out"}}``."""
    kinds = kinds or infer_kinds(real)
    out: dict[str, dict[str, Any]] = {}
    for name in scored_columns(kinds):
        continuous = kinds[name] in CONTINUOUS
        try:
            if continuous:
                score = _ks_complement(numeric_values(real[name]), numeric_values(synthetic[name]))
            else:
                (cr, cs), cats = shared_codes([real[name], synthetic[name]])
                score = _tv_complement(cr, cs, len(cats))
            reason = None
        except Unavailable as exc:
            score, reason = None, str(exc)
        out[name] = {"metric": "KSComplement" if continuous else "TVComplement", "kind": kinds[name],
                     "score": score, "reason": reason,
                     # Shapes compare present values only; say how many were left out (scored by missing_values).
                     "missing_left_out": {"real": int(real[name].isna().sum()),
                                          "synthetic": int(synthetic[name].isna().sum())}}
    return out


def column_shapes(real: pd.DataFrame, synthetic: pd.DataFrame, *, kinds: dict[str, str] | None = None) -> float:
    """Column shapes score in [0, 1] (1 = identical marginals); fast enough for early stopping.

    Parameters
    ----------
    real, synthetic : DataFrame
        Tables with the same columns.
    kinds : dict, optional
        Column kinds; inferred from ``real`` when omitted.

    Returns
    -------
    float
        Mean of the per-column scores that could be computed (NaN if none).
    """
    scores = [d["score"] for d in column_shape_scores(real, synthetic, kinds).values() if d["score"] is not None]
    return float(np.mean(scores)) if scores else float("nan")


class _PairCodes:
    """Each scored column of one table pair as discrete codes (and numbers for continuous ones)."""

    def __init__(self, real: pd.DataFrame, synthetic: pd.DataFrame, kinds: dict[str, str]):
        self.kinds = kinds
        self.columns = scored_columns(kinds)
        self.values: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.codes: dict[str, tuple[np.ndarray, np.ndarray, int]] = {}
        for name in self.columns:
            if kinds[name] in CONTINUOUS:
                vr, vs = numeric_values(real[name]), numeric_values(synthetic[name])
                self.values[name] = (vr, vs)
                # Each table is binned over its own range, exactly as SDMetrics does.
                self.codes[name] = (_digitize_own_range(vr), _digitize_own_range(vs), _N_BINS + 2)
            else:
                (cr, cs), cats = shared_codes([real[name], synthetic[name]])
                k = len(cats)
                self.codes[name] = (np.where(cr < 0, k, cr), np.where(cs < 0, k, cs), k + 1)

    def is_continuous(self, name: str) -> bool:
        return self.kinds[name] in CONTINUOUS


def _digitize_own_range(values: np.ndarray) -> np.ndarray:
    present = values[np.isfinite(values)]
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            edges = np.histogram_bin_edges(present if present.size else np.zeros(1), bins=_N_BINS)
        if not np.all(np.isfinite(edges)):
            raise ValueError("the range overflows float64")
    except ValueError:  # a range too narrow (e.g. int64 near 2**62) or too wide (near 1e308) for float64
        edges = _safe_edges(present)
    return np.digitize(values, edges).astype(np.int64)  # NaN sorts past the last edge, like SDMetrics


def _safe_edges(present: np.ndarray) -> np.ndarray:
    """``_N_BINS + 1`` non-decreasing edges over ``present``'s range that never overflow or collapse to an error.

    Where float64 cannot tell neighbouring edges apart, some bins are empty (equal
    edges), which only merges values that float64 cannot tell apart either.
    """
    lo, hi = (float(present.min()), float(present.max())) if present.size else (0.0, 0.0)
    t = np.linspace(0.0, 1.0, _N_BINS + 1)
    edges = lo * (1.0 - t) + hi * t  # no overflow: each term is at most max(|lo|, |hi|)
    edges[0], edges[-1] = lo, hi
    return np.maximum.accumulate(edges)


def _joint_freq(a: np.ndarray, b: np.ndarray, kb: int, size: int) -> np.ndarray:
    return np.bincount(a * kb + b, minlength=size) / a.size


def _cramers_v(freq: np.ndarray, ka: int, kb: int, n: int) -> float:
    table = freq.reshape(ka, kb) * n
    table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
    if min(table.shape) < 2:
        return float("nan")
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / n
    chi2 = float(((table - expected) ** 2 / expected).sum())
    return float(np.sqrt(chi2 / n / (min(table.shape) - 1)))


def _pearson(x: np.ndarray, y: np.ndarray) -> float:
    keep = ~(np.isnan(x) | np.isnan(y))
    x, y = x[keep], y[keep]
    if x.size < 2 or x.min() == x.max() or y.min() == y.max():  # (np.ptp overflows near 1e308)
        return float("nan")
    x, y = _rescaled(x), _rescaled(y)  # correlation is scale-free; near 1e308 the products would overflow
    with np.errstate(all="ignore"):  # deviations that underflow to zero: no correlation to report
        r = np.corrcoef(x, y)[0, 1]
    return float(np.clip(r, -1.0, 1.0)) if np.isfinite(r) else float("nan")


def _rescaled(v: np.ndarray) -> np.ndarray:
    """``v`` divided by its largest magnitude when that is near the float64 limits (huge or tiny)."""
    scale = float(np.max(np.abs(v)))
    return v / scale if np.isfinite(scale) and (scale > 1e100 or 0 < scale < 1e-100) else v


def _pair_entry(codes: _PairCodes, a: str, b: str) -> dict[str, Any]:
    entry: dict[str, Any] = {"columns": [a, b], "score": None, "reason": None,
                             "real_correlation": None, "synthetic_correlation": None}
    ar, as_, ka = codes.codes[a]
    br, bs, kb = codes.codes[b]
    p, q = _joint_freq(ar, br, kb, ka * kb), _joint_freq(as_, bs, kb, ka * kb)
    entry["real_association"] = _cramers_v(p, ka, kb, ar.size)
    entry["synthetic_association"] = _cramers_v(q, ka, kb, as_.size)
    if codes.is_continuous(a) and codes.is_continuous(b):
        entry["metric"] = "CorrelationSimilarity"
        (xr, xs), (yr, ys) = codes.values[a], codes.values[b]
        constant = [f"'{n}' in the {t} table" for n, t, v in ((a, "real", xr), (b, "real", yr),
                    (a, "synthetic", xs), (b, "synthetic", ys)) if np.unique(v[~np.isnan(v)]).size < 2]
        r_real, r_synth = _pearson(xr, yr), _pearson(xs, ys)
        entry.update(real_correlation=r_real, synthetic_correlation=r_synth)
        if constant:
            entry["reason"] = f"correlation undefined: column {constant[0]} is constant"
        elif np.isnan(r_real) or np.isnan(r_synth):
            entry["reason"] = "correlation undefined: fewer than two rows have both values"
        else:
            entry["score"] = 1.0 - abs(r_real - r_synth) / 2.0
        entry["meets_threshold"] = bool(not np.isnan(r_real) and abs(r_real) > CORRELATION_THRESHOLD)
    else:
        entry["metric"] = "ContingencySimilarity"
        entry["score"] = 1.0 - 0.5 * float(np.abs(p - q).sum())
        v = entry["real_association"]
        entry["meets_threshold"] = bool(not np.isnan(v) and v > ASSOCIATION_THRESHOLD)
    return entry


def pair_trend_scores(real: pd.DataFrame, synthetic: pd.DataFrame,
                      kinds: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """One record per column pair: metric, score (or reason), real/synthetic correlation and association."""
    codes = _PairCodes(real, synthetic, kinds or infer_kinds(real))
    return [_pair_entry(codes, a, b) for a, b in itertools.combinations(codes.columns, 2)]


def _mean_score(pairs: list[dict[str, Any]], associated_only: bool) -> float:
    scores = [p["score"] for p in pairs if p["score"] is not None and (p["meets_threshold"] or not associated_only)]
    return float(np.mean(scores)) if scores else float("nan")


def column_pair_trends(real: pd.DataFrame, synthetic: pd.DataFrame, *, kinds: dict[str, str] | None = None,
                       associated_only: bool = False) -> float:
    """Column pair trends score in [0, 1] (1 = identical pairwise relations).

    Parameters
    ----------
    real, synthetic : DataFrame
        Tables with the same columns.
    kinds : dict, optional
        Column kinds; inferred from ``real`` when omitted.
    associated_only : bool, default=False
        Average only over pairs associated in the real table (|r| > 0.5 or Cramér's V > 0.3).

    Returns
    -------
    float
        Mean pair score (NaN when no pair could be scored).
    """
    return _mean_score(pair_trend_scores(real, synthetic, kinds), associated_only)


def association_matrices(pairs: list[dict[str, Any]], columns: list[str]) -> dict[str, Any]:
    """Square matrices for heatmaps: real and synthetic association (Pearson r for two continuous
    columns, Cramér's V otherwise) and the pair score."""
    index = {c: i for i, c in enumerate(columns)}
    mats = {key: np.eye(len(columns)) for key in ("real", "synthetic", "score")}
    for p in pairs:
        i, j = index[p["columns"][0]], index[p["columns"][1]]
        corr = p["metric"] == "CorrelationSimilarity"
        values = {"real": p["real_correlation"] if corr else p["real_association"],
                  "synthetic": p["synthetic_correlation"] if corr else p["synthetic_association"],
                  "score": p["score"]}
        for key, value in values.items():
            mats[key][i, j] = mats[key][j, i] = np.nan if value is None else value
    return {"columns": columns, **mats}


def _missing_details(real: pd.DataFrame, synthetic: pd.DataFrame) -> tuple[float, dict[str, Any]]:
    share_r = real.isna().mean()
    share_s = synthetic[real.columns].isna().mean()
    per_column = {c: {"real": float(share_r[c]), "synthetic": float(share_s[c])} for c in real.columns}
    return 1.0 - float(np.abs(share_r - share_s).mean()), {"columns": per_column}


def fidelity_metrics(real: pd.DataFrame, synthetic: pd.DataFrame, kinds: dict[str, str]) -> dict[str, dict]:
    """All fidelity entries (see :data:`SHAPES`, :data:`TRENDS`, ... for definitions)."""
    shapes = column_shape_scores(real, synthetic, kinds)
    pairs = pair_trend_scores(real, synthetic, kinds)
    shape_scores = [d["score"] for d in shapes.values() if d["score"] is not None]
    shape_value = float(np.mean(shape_scores)) if shape_scores else float("nan")
    trend_value = _mean_score(pairs, associated_only=False)
    skipped = {c: d["reason"] for c, d in shapes.items() if d["score"] is None}

    def shapes_value():
        if not shape_scores:
            raise Unavailable("no column could be scored (every column is missing or an identifier)")
        return shape_value, {"columns": shapes, "not_scored": skipped}

    def trends_value(associated_only: bool, **extra: Any):
        value = _mean_score(pairs, associated_only)
        if np.isnan(value):
            raise Unavailable("no pair of columns is strongly associated in the real table"
                              if associated_only else "fewer than two columns could be scored", **extra)
        n_used = sum(p["score"] is not None and (p["meets_threshold"] or not associated_only) for p in pairs)
        return value, {"n_pairs": len(pairs), "n_pairs_scored": n_used, **extra}

    def quality_value():
        parts = [v for v in (shape_value, trend_value) if not np.isnan(v)]
        if not parts:
            raise Unavailable("neither column shapes nor pair trends could be computed")
        return float(np.mean(parts))

    matrices = association_matrices(pairs, scored_columns(kinds))
    return {
        "quality_score": compute(QUALITY, quality_value),
        "column_shapes": compute(SHAPES, shapes_value),
        "column_pair_trends": compute(TRENDS, lambda: trends_value(False, pairs=pairs, matrices=matrices)),
        "column_pair_trends_associated": compute(TRENDS_ASSOCIATED, lambda: trends_value(True)),
        "missing_values": compute(MISSING, lambda: _missing_details(real, synthetic)),
    }
