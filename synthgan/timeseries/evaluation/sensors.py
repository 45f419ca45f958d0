"""Sensor series in long frames: lagged correlations, daily and weekly profiles, events, static attributes.

A frame has one row per (entity, time step): an optional entity column (a station), a
time column, numeric value columns, optional categorical columns, and optional static
columns (one value per entity, such as a station's region). Rows are sorted by entity
and time; a lag of ``k`` means ``k`` rows later *within the same entity*, so the lags
assume regular sampling.

* **Lagged correlations**: ``C_k[i, j] = corr(x_i(t), x_j(t + k))`` for ``k = 0..max_lag``,
  pooled over entities (one mean and standard deviation per column, products summed
  over the within-entity pairs where both values are present). Distance: mean absolute
  difference real vs synthetic over every lag and pair (the lag-0 diagonal, always 1,
  left out).
* **Daily / weekly profiles**: the mean of each value column by hour of day (0-23) and by
  day of week (0 = Monday). Distance per column: mean absolute difference over the
  buckets both frames have, divided by the real column's standard deviation; overall:
  the mean over columns. Needs a datetime time column.
* **Event shares**: the share of exact zeros per value column (a light sensor at night),
  and the share of each category per categorical column (missing values count as a
  category); distances are the mean absolute difference of zero shares and the mean
  total variation distance (half the L1 distance) over categorical columns.
* **Static attributes**: one row per entity; the share of each value per static column
  (numeric columns with more than 20 values are cut at the real deciles); distance:
  mean total variation distance.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from synthgan.errors import DataValidationError

MAX_LAG = 24
MAX_STATIC_LEVELS = 20
MISSING = "(missing)"


def lagged_correlations(frame: pd.DataFrame, columns: Sequence[str], *, entity_column: str | None = None,
                        max_lag: int = MAX_LAG) -> np.ndarray:
    """Pooled lagged auto- and cross-correlations ``(max_lag + 1, m, m)`` of a frame sorted by entity and time.

    Entry ``[k, i, j]`` is ``corr(columns[i] at t, columns[j] at t + k)``; NaN where no pair exists.
    """
    x = frame[list(columns)].to_numpy(dtype=np.float64)
    valid = ~np.isnan(x)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(valid, (x - np.nanmean(x, axis=0)) / np.nanstd(x, axis=0), 0.0)
    z = np.nan_to_num(z, nan=0.0, posinf=0.0, neginf=0.0)  # constant columns give 0 products
    entity = frame[entity_column].to_numpy() if entity_column else np.zeros(len(frame))
    m = len(columns)
    out = np.full((max_lag + 1, m, m), np.nan)
    vf = valid.astype(np.float64)
    for k in range(min(max_lag, len(frame) - 1) + 1):  # a loop over lags; every lag is one matrix product
        same = (entity[: len(frame) - k] == entity[k:]).astype(np.float64)[:, None]
        a, b = z[: len(frame) - k] * same, z[k:]
        counts = (vf[: len(frame) - k] * same).T @ vf[k:]
        with np.errstate(invalid="ignore", divide="ignore"):
            out[k] = np.where(counts > 0, (a.T @ b) / counts, np.nan)
    return out


def correlation_distance(real: np.ndarray, synthetic: np.ndarray) -> tuple[float, list[float]]:
    """Mean |real - synthetic| over lags and pairs (lag-0 diagonal excluded), overall and per lag."""
    diff = np.abs(real - synthetic)
    diff[0][np.eye(diff.shape[1], dtype=bool)] = np.nan
    with np.errstate(invalid="ignore"):
        per_lag = [float(np.nanmean(d)) if np.isfinite(d).any() else float("nan") for d in diff]
        overall = float(np.nanmean(diff)) if np.isfinite(diff).any() else float("nan")
    return overall, per_lag


def profile(frame: pd.DataFrame, columns: Sequence[str], times: pd.Series, by: str) -> pd.DataFrame:
    """Mean of each column by ``times.dt.hour`` (``by="hour"``) or ``times.dt.day_of_week`` (``"day_of_week"``)."""
    key = getattr(times.dt, by).to_numpy()
    return frame[list(columns)].groupby(key).mean()


def profile_distance(real: pd.DataFrame, synthetic: pd.DataFrame, scale: pd.Series) -> dict[str, Any]:
    """Per-column mean |real - synthetic| over shared buckets, divided by ``scale``; and their mean."""
    shared = real.index.intersection(synthetic.index)
    diff = (real.loc[shared] - synthetic.loc[shared]).abs().mean(axis=0) / scale.where(scale > 0, 1.0)
    return {"distance": float(diff.mean()) if len(diff) else float("nan"),
            "by_column": {str(c): float(v) for c, v in diff.items()}}


def value_shares(values: pd.Series) -> dict[str, float]:
    """Share of each value (as text; missing values as ``"(missing)"``)."""
    text = values.astype(str).where(values.notna(), MISSING)
    return {str(k): float(v) for k, v in text.value_counts(normalize=True).items()}


def total_variation(a: dict[str, float], b: dict[str, float]) -> float:
    """Half the L1 distance between two share dictionaries (0 = same shares, 1 = disjoint)."""
    return 0.5 * float(sum(abs(a.get(k, 0.0) - b.get(k, 0.0)) for k in set(a) | set(b)))


def _times(frame: pd.DataFrame, time_column: str) -> pd.Series | None:
    col = frame[time_column]
    if pd.api.types.is_datetime64_any_dtype(col):
        return col
    if pd.api.types.is_numeric_dtype(col):
        return None
    parsed = pd.to_datetime(col, errors="coerce")
    return parsed if parsed.notna().mean() > 0.95 else None


def _profiles(real, synthetic, columns, time_column) -> dict[str, dict[str, Any]]:
    times = _times(real, time_column), _times(synthetic, time_column)
    out = {}
    for name, by, n in (("daily_profile", "hour", 24), ("weekly_profile", "day_of_week", 7)):
        if times[0] is None or times[1] is None:
            out[name] = {"distance": None, "reason": f"the time column {time_column!r} is not a date-time"}
        elif getattr(times[0].dt, by).nunique() < 2:
            what = by.replace("_", " ")
            out[name] = {"distance": None, "reason": f"the real data has a single {what}"}
        elif not columns:
            out[name] = {"distance": None, "reason": "no numeric value columns"}
        else:
            pr, ps = profile(real, columns, times[0], by), profile(synthetic, columns, times[1], by)
            full = pd.RangeIndex(n)
            out[name] = {**profile_distance(pr, ps, real[list(columns)].std(ddof=0)), "buckets": list(range(n)),
                         "real": {str(c): pr[c].reindex(full).tolist() for c in columns},
                         "synthetic": {str(c): ps[c].reindex(full).tolist() for c in columns}}
    return out


def _static_levels(real: pd.Series, synthetic: pd.Series) -> tuple[pd.Series, pd.Series]:
    if pd.api.types.is_numeric_dtype(real) and real.nunique() > MAX_STATIC_LEVELS:
        edges = np.unique(np.nanquantile(real.to_numpy(dtype=float), np.linspace(0, 1, 11)))
        edges[0], edges[-1] = -np.inf, np.inf
        return pd.cut(real, edges), pd.cut(synthetic, edges)
    return real, synthetic


def _static(real, synthetic, static_columns, entity_column) -> dict[str, Any]:
    if not static_columns:
        return {"distance": None, "columns": {}}
    first_r = real.groupby(entity_column, sort=False)[list(static_columns)].first()
    first_s = synthetic.groupby(entity_column, sort=False)[list(static_columns)].first()
    columns = {}
    for c in static_columns:
        a, b = _static_levels(first_r[c], first_s[c])
        sa, sb = value_shares(a), value_shares(b)
        columns[str(c)] = {"real": sa, "synthetic": sb, "total_variation": total_variation(sa, sb)}
    return {"distance": float(np.mean([v["total_variation"] for v in columns.values()])), "columns": columns,
            "n_entities": {"real": int(len(first_r)), "synthetic": int(len(first_s))}}


def _events(real, synthetic, value_columns, categorical_columns) -> dict[str, Any]:
    zeros = {}
    for c in value_columns:
        zr, zs = float((real[c] == 0).mean()), float((synthetic[c] == 0).mean())
        zeros[str(c)] = {"real": zr, "synthetic": zs, "difference": abs(zr - zs)}
    cats = {}
    for c in categorical_columns:
        sa, sb = value_shares(real[c]), value_shares(synthetic[c])
        cats[str(c)] = {"real": sa, "synthetic": sb, "total_variation": total_variation(sa, sb)}
    return {"zero_share": zeros, "categories": cats,
            "zero_share_distance": float(np.mean([v["difference"] for v in zeros.values()])) if zeros else None,
            "category_distance": float(np.mean([v["total_variation"] for v in cats.values()])) if cats else None}


def infer_columns(frame: pd.DataFrame, *, time_column: str, entity_column: str | None) -> dict[str, list[str]]:
    """Split the non-key columns into static (constant within every entity), numeric values and categorical."""
    rest = [c for c in frame.columns if c not in (time_column, entity_column)]
    static = []
    if entity_column and rest:
        counts = frame.groupby(entity_column, sort=False)[rest].nunique(dropna=False)
        static = [c for c in rest if (counts[c] <= 1).all()]
    numeric = [c for c in rest if c not in static and pd.api.types.is_numeric_dtype(frame[c])
               and not pd.api.types.is_bool_dtype(frame[c])]
    categorical = [c for c in rest if c not in static and c not in numeric]
    return {"static": static, "values": numeric, "categorical": categorical}


def _check(frame: pd.DataFrame, name: str, needed: Sequence[str]) -> None:
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise DataValidationError(f"the {name} frame has no column(s) {missing}; pass frames with the same columns "
                                  "or name the right time/entity/value columns")


def sensor_metrics(real: pd.DataFrame, synthetic: pd.DataFrame, *, time_column: str, entity_column: str | None = None,
                   value_columns: Sequence[str] | None = None, categorical_columns: Sequence[str] | None = None,
                   static_columns: Sequence[str] | None = None, max_lag: int = MAX_LAG) -> dict[str, Any]:
    """Every sensor comparison (see the module docstring), as plain Python values (NaN where undefined).

    Column roles not given are inferred from ``real`` (:func:`infer_columns`).
    :func:`synthgan.timeseries.evaluation.evaluate_sensors` wraps this into a JSON-safe result.
    """
    _check(real, "real", [c for c in (time_column, entity_column) if c])
    inferred = infer_columns(real, time_column=time_column, entity_column=entity_column)
    static = list(inferred["static"] if static_columns is None else static_columns)
    values = [c for c in (inferred["values"] if value_columns is None else value_columns) if c not in static]
    cats = [c for c in (inferred["categorical"] if categorical_columns is None else categorical_columns)
            if c not in static]
    if static and not entity_column:
        raise DataValidationError(f"static columns {static} need an entity column; pass entity_column=")
    keys = [c for c in (entity_column, time_column) if c]
    for frame, name in ((real, "real"), (synthetic, "synthetic")):
        _check(frame, name, keys + static + values + cats)
    real = real.sort_values(keys, kind="stable", ignore_index=True)
    synthetic = synthetic.sort_values(keys, kind="stable", ignore_index=True)
    out: dict[str, Any] = {"columns": {"values": values, "categorical": cats, "static": static}}
    if values:
        cr = lagged_correlations(real, values, entity_column=entity_column, max_lag=max_lag)
        cs = lagged_correlations(synthetic, values, entity_column=entity_column, max_lag=max_lag)
        overall, per_lag = correlation_distance(cr, cs)
        out["correlations"] = {"distance": overall, "distance_by_lag": per_lag, "max_lag": int(max_lag),
                               "columns": values, "real": cr.tolist(), "synthetic": cs.tolist()}
    else:
        out["correlations"] = {"distance": None, "reason": "no numeric value columns"}
    out.update(_profiles(real, synthetic, values, time_column))
    out["event_shares"] = _events(real, synthetic, values, cats)
    out["static"] = _static(real, synthetic, static, entity_column)
    return out
