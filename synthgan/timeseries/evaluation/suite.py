"""Whole evaluations of synthetic series against real ones, as JSON-safe dictionaries.

:func:`evaluate_returns` compares synthetic return paths with a real return history
(stylized facts, discriminative, predictive and copying scores); :func:`evaluate_sensors`
compares long sensor frames. Both return plain dicts (floats, lists, dicts; NaN -> None)
that ``json.dumps`` accepts and :func:`~synthgan.timeseries.evaluation.report.write_series_report`
renders.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from synthgan.errors import ConfigError, DataValidationError
from synthgan.evaluation.base import json_safe
from synthgan.timeseries.evaluation import stylized
from synthgan.timeseries.evaluation.copying import copying_scores
from synthgan.timeseries.evaluation.discriminative import CLASSIFIERS, discriminative_score
from synthgan.timeseries.evaluation.predictive import predictive_score
from synthgan.timeseries.evaluation.sensors import MAX_LAG as SENSOR_MAX_LAG
from synthgan.timeseries.evaluation.sensors import sensor_metrics

HOLDOUT_FRACTION = 0.2


def _mad(a: np.ndarray, b: np.ndarray) -> float:
    diff = np.abs(np.asarray(a, dtype=float) - np.asarray(b, dtype=float))
    return float(np.nanmean(diff)) if np.isfinite(diff).any() else float("nan")


def compare_stylized(real: np.ndarray, synthetic: np.ndarray, **options: Any) -> dict[str, Any]:
    """Stylized facts of real ``(1, T)`` and synthetic ``(n_paths, length)`` returns and their distances.

    Distances: absolute differences of the moments, tail indices and kurtosis of sums;
    mean absolute differences of the pooled ACFs over lags ``1..max_lag`` and of the
    leverage curves; Wasserstein-1 of the aggregated sums (units of r).
    """
    horizons = options.get("horizons", stylized.HORIZONS)
    sr, ss = stylized.returns_statistics(real, **options), stylized.returns_statistics(synthetic, **options)

    def diffs(key: str) -> dict[str, float]:
        return {k: abs(sr[key][k] - ss[key][k]) for k in sr[key]}

    distances = {
        "moments": diffs("moments"), "tail_index": diffs("tail_index"), "kurtosis_of_sums": diffs("kurtosis_of_sums"),
        "acf": {k: _mad(sr["acf"][k][1:], ss["acf"][k][1:]) for k in sr["acf"]},
        "leverage": _mad(sr["leverage"], ss["leverage"]),
        "leverage_correlation": _mad(sr["leverage_correlation"], ss["leverage_correlation"]),
        "wasserstein_sums": stylized.wasserstein_sums(real, synthetic, horizons),
    }
    return {"real": sr, "synthetic": ss, "distances": distances}


def _part(func, *args, **kwargs) -> dict[str, Any]:
    """A score's result, or ``{"reason": ...}`` when the data are too short for it."""
    try:
        return func(*args, **kwargs)
    except DataValidationError as exc:
        return {"reason": str(exc)}


def _split_holdout(real: np.ndarray, fraction: float) -> tuple[np.ndarray, np.ndarray]:
    cut = int(round(real.shape[1] * (1.0 - fraction)))
    return real[:, :cut], real[:, cut:]


def evaluate_returns(real_train: Any, synthetic_paths: Any, real_holdout: Any = None, *, window: int = 20,
                     repetitions: int = 3, seed: int = 0, max_lag: int = stylized.MAX_LAG,
                     leverage_lags: int = stylized.LEVERAGE_LAGS, horizons: Sequence[int] = stylized.HORIZONS,
                     tail_fraction: float = stylized.TAIL_FRACTION, classifiers: Sequence[str] = CLASSIFIERS,
                     gru_epochs: int = 30, predictive_lags: int | None = None,
                     holdout_fraction: float = HOLDOUT_FRACTION) -> dict[str, Any]:
    """Evaluate synthetic return paths against a real return history.

    Parameters
    ----------
    real_train : array-like of shape (T,) or (T, d)
        The real returns the generator learned from.
    synthetic_paths : array-like of shape (n_paths, length) or (n_paths, length, d)
        Synthetic returns, one path per row.
    real_holdout : array-like of shape (T_h,) or (T_h, d), optional
        Real returns the generator never saw: the test set of the predictive score and the
        yardstick of the copying ratio. Without it, the predictive score tests on the last
        ``holdout_fraction`` of ``real_train`` (its reference predictor trains on the rest)
        and the copying ratio is None.
    window : int, default=20
        Window length of the discriminative and copying scores.
    repetitions : int, default=3
        Repetitions of each discriminative classifier.
    seed : int, default=0
        Seeds every subsample, split and model.
    max_lag, leverage_lags, horizons, tail_fraction
        See :func:`~synthgan.timeseries.evaluation.stylized.returns_statistics`.
    classifiers : sequence of {"lightgbm", "gru"}, default=("lightgbm", "gru")
        Discriminative classifiers to run.
    gru_epochs : int, default=30
        Training epochs of the GRU classifier.
    predictive_lags : int, optional
        Past returns the predictor sees (default: ``window``).
    holdout_fraction : float, default=0.2
        Share of ``real_train`` held out for the predictive score when ``real_holdout`` is None.

    Returns
    -------
    dict
        JSON-safe: ``kind`` ("returns"), ``meta``, ``stylized`` (one entry per dimension: ``real``,
        ``synthetic``, ``distances``), ``discriminative`` (per classifier), ``predictive``,
        ``copying`` and ``summary`` (headline numbers).
    """
    if not 0 < holdout_fraction < 1:
        raise ConfigError(f"holdout_fraction must be strictly between 0 and 1, got {holdout_fraction!r}")
    if isinstance(window, bool) or not isinstance(window, (int, np.integer)) or window < 2:
        raise ConfigError(f"window must be an integer number of steps >= 2, got {window!r}")
    unknown = [c for c in classifiers if c not in CLASSIFIERS]
    if unknown:
        raise ConfigError(f"unknown classifier(s) {unknown}; choose from {CLASSIFIERS}")
    real = stylized.as_paths(real_train, name="real_train", paths=False)
    synth = stylized.as_paths(synthetic_paths, name="synthetic_paths", paths=True)
    held = None if real_holdout is None else stylized.as_paths(real_holdout, name="real_holdout", paths=False)
    d = real.shape[2]
    for name, x in (("synthetic_paths", synth), ("real_holdout", held)):
        if x is not None and x.shape[2] != d:
            raise DataValidationError(f"{name} has {x.shape[2]} dimension(s) but real_train has {d}; "
                                      "pass the same series")
    clock, seconds = time.perf_counter(), {}
    options = dict(max_lag=max_lag, leverage_lags=leverage_lags, horizons=horizons, tail_fraction=tail_fraction)
    out: dict[str, Any] = {"kind": "returns"}
    out["stylized"] = [compare_stylized(real[..., j], synth[..., j], **options) for j in range(d)]
    seconds["stylized"] = time.perf_counter() - clock

    real_w, synth_w = stylized.windows(real, window), stylized.windows(synth, window)
    out["discriminative"] = {}
    for name in classifiers:
        clock = time.perf_counter()
        out["discriminative"][name] = _part(discriminative_score, real_w, synth_w, classifier=name,
                                            repetitions=repetitions, seed=seed, epochs=gru_epochs)
        seconds[f"discriminative_{name}"] = time.perf_counter() - clock

    clock = time.perf_counter()
    pred_train, pred_test = (real, held) if held is not None else _split_holdout(real, holdout_fraction)
    out["predictive"] = _part(predictive_score, pred_train, synth, pred_test, lags=predictive_lags or window, seed=seed)
    out["predictive"]["test_set"] = ("real_holdout" if held is not None
                                     else f"last {holdout_fraction:.0%} of real_train (the generator may have seen it)")
    seconds["predictive"] = time.perf_counter() - clock

    clock = time.perf_counter()
    out["copying"] = _part(copying_scores, real, synth, held, window=window, seed=seed)
    seconds["copying"] = time.perf_counter() - clock

    out["meta"] = {"dimensions": d, "window": int(window), "repetitions": int(repetitions), "seed": seed,
                   "real_train_length": int(real.shape[1]),
                   "real_holdout_length": None if held is None else int(held.shape[1]),
                   "synthetic_paths": int(synth.shape[0]), "synthetic_length": int(synth.shape[1]),
                   "kurtosis": "excess (Gaussian = 0)", "max_lag": int(max_lag), "leverage_lags": int(leverage_lags),
                   "horizons": [int(h) for h in horizons], "tail_fraction": float(tail_fraction),
                   "seconds": {k: round(v, 3) for k, v in seconds.items()}}
    out["summary"] = _returns_summary(out)
    return json_safe(out)


def _returns_summary(out: dict[str, Any]) -> dict[str, Any]:
    first = out["stylized"][0]
    pred, copy = out["predictive"], out["copying"]

    def x1e3(value: float | None) -> float | None:
        return None if value is None else 1e3 * value

    summary = {f"discriminative_{k}": v.get("score_mean") for k, v in out["discriminative"].items()}
    summary.update({
        "predictive_mae_x1e3_synthetic_trained": x1e3(pred.get("mae_synthetic_trained")),
        "predictive_mae_x1e3_real_trained": x1e3(pred.get("mae_real_trained")),
        "copying_distance_ratio": copy.get("distance_ratio"),
        "exact_copy_share": copy.get("exact_copy_share"),
        "acf_abs_distance": first["distances"]["acf"]["abs"],
        "wasserstein_sums_1": first["distances"]["wasserstein_sums"].get("1"),
    })
    return summary


def evaluate_sensors(real_frame: pd.DataFrame, synthetic_frame: pd.DataFrame, *, time_column: str,
                     entity_column: str | None = None, value_columns: Sequence[str] | None = None,
                     categorical_columns: Sequence[str] | None = None, static_columns: Sequence[str] | None = None,
                     max_lag: int = SENSOR_MAX_LAG) -> dict[str, Any]:
    """Evaluate synthetic sensor series (long frames) against real ones.

    Parameters
    ----------
    real_frame, synthetic_frame : DataFrame
        One row per (entity, time step), with the same columns.
    time_column : str
        Time stamps (date-times for the daily and weekly profiles) or step numbers.
    entity_column : str, optional
        Series identifier (a station); without it the frame is one series.
    value_columns, categorical_columns, static_columns : sequence of str, optional
        Column roles; inferred from ``real_frame`` when omitted (static = constant within
        every entity, values = numeric, categorical = the rest).
    max_lag : int, default=24
        Last lag (in rows within an entity) of the lagged correlations.

    Returns
    -------
    dict
        JSON-safe: ``kind`` ("sensors"), ``meta``, ``columns``, ``correlations``, ``daily_profile``,
        ``weekly_profile``, ``event_shares``, ``static`` and ``summary`` (the distances).
    """
    for name, frame in (("real_frame", real_frame), ("synthetic_frame", synthetic_frame)):
        if not isinstance(frame, pd.DataFrame) or frame.empty:
            raise DataValidationError(f"{name} must be a non-empty pandas DataFrame in long format "
                                      "(one row per entity and time step)")
    if isinstance(max_lag, bool) or not isinstance(max_lag, (int, np.integer)) or max_lag < 0:
        raise ConfigError(f"max_lag must be a non-negative integer number of steps, got {max_lag!r}")
    clock = time.perf_counter()
    out: dict[str, Any] = {"kind": "sensors"}
    out.update(sensor_metrics(real_frame, synthetic_frame, time_column=time_column, entity_column=entity_column,
                              value_columns=value_columns, categorical_columns=categorical_columns,
                              static_columns=static_columns, max_lag=max_lag))
    entities = {name: (int(f[entity_column].nunique()) if entity_column else 1)
                for name, f in (("real", real_frame), ("synthetic", synthetic_frame))}
    out["meta"] = {"rows": {"real": len(real_frame), "synthetic": len(synthetic_frame)}, "entities": entities,
                   "time_column": time_column, "entity_column": entity_column, "max_lag": int(max_lag),
                   "seconds": {"total": round(time.perf_counter() - clock, 3)}}
    out["summary"] = {
        "correlation_distance": out["correlations"]["distance"],
        "daily_profile_distance": out["daily_profile"]["distance"],
        "weekly_profile_distance": out["weekly_profile"]["distance"],
        "zero_share_distance": out["event_shares"]["zero_share_distance"],
        "category_distance": out["event_shares"]["category_distance"],
        "static_distance": out["static"]["distance"],
    }
    return json_safe(out)
