"""Evaluate synthetic series files against real ones: the verb behind ``synthgan evaluate-series``.

Both sides are long format: the real file has the time column, an optional entity column
and value columns; the synthetic one (as ``synthgan sample --paths`` writes it) has a path
id column (named like the entity column, or ``path``; without one the file is one path),
the time column and the same value columns.

* With ``returns`` (``"log"`` or ``"simple"``) the value columns are price levels: each side
  is turned into returns per entity / per path (a return never spans two series) and
  :func:`~synthgan.timeseries.evaluation.evaluate_returns` compares the real training returns
  (the entities' returns one after the other) with the synthetic return paths. Real returns
  the generator never saw come from a ``holdout`` file, or from the real file at and after
  ``split_date`` (a return belongs to the side of the date it ends on).
* Without ``returns`` the values are sensor readings and
  :func:`~synthgan.timeseries.evaluation.evaluate_sensors` compares the two frames.

:func:`headline` picks the figures worth printing (and that the series bench checks).
Every option and both output paths are checked before a file is read; a bad input raises
one :class:`~synthgan.errors.SynthganError` that says what to do, and writes nothing.
"""

from __future__ import annotations

import json
import os
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from synthgan.errors import ConfigError, DataValidationError, DataWarning
from synthgan.timeseries.evaluation.discriminative import CLASSIFIERS
from synthgan.timeseries.returns import RETURN_KINDS, returns_within
from synthgan.io.tables import as_table
from synthgan.timeseries.sequences import SequenceFrame, SequenceSpec, _missing_column, read_sequences

__all__ = ["PATH_COLUMN", "evaluate_series", "headline"]

PATH_COLUMN = "path"  # the path id column of sampled paths without an entity column


def _name(data: Any) -> str | None:
    return Path(data).name if isinstance(data, (str, os.PathLike)) else None


def _check_options(time_column: Any, returns: Any, holdout: Any, split_date: Any, window: Any, repetitions: Any,
                   seed: Any, classifiers: Sequence[str]) -> tuple[str | None, np.datetime64 | None]:
    if not isinstance(time_column, str) or not time_column:
        raise ConfigError(f"time_column must name the time column (e.g. --time-column Date), got {time_column!r}")
    if isinstance(returns, str) and returns.lower() in ("", "none"):
        returns = None
    if returns is not None and returns not in RETURN_KINDS:
        raise ConfigError(f"returns must be 'log', 'simple' or None (sensor values), got {returns!r}")
    if returns is None and (holdout is not None or split_date is not None):
        raise ConfigError("--holdout and --split-date set the real returns the generator never saw; they need "
                          "--returns log or simple (sensor series are compared without a holdout)")
    if holdout is not None and split_date is not None:
        raise ConfigError("give the real holdout either as a file (--holdout) or as the part of the real file from a "
                          "date on (--split-date), not both")
    for name, value, low in (("window", window, 2), ("repetitions", repetitions, 1), ("seed", seed, 0)):
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < low:
            raise ConfigError(f"{name} must be an integer >= {low}, got {value!r}")
    unknown = [c for c in classifiers if c not in CLASSIFIERS]
    if unknown or not classifiers:
        raise ConfigError(f"classifiers must name one or more of {', '.join(CLASSIFIERS)}, got {list(classifiers)}")
    split = None
    if split_date is not None:
        try:
            stamp = pd.Timestamp(split_date)
        except (TypeError, ValueError):
            stamp = pd.NaT
        if pd.isna(stamp):
            raise ConfigError(f"--split-date must be a date such as 2011-01-01, got {split_date!r}")
        if stamp.tzinfo is not None:
            stamp = stamp.tz_convert("UTC").tz_localize(None)
        split = stamp.to_datetime64().astype("datetime64[ns]")
    return returns, split


def _value_columns(real: pd.DataFrame, time_column: str, entity: str | None, columns: Any,
                   returns: str | None) -> list[str]:
    """The value columns, checked against the real table (the time and entity columns first)."""
    for name, role in ((time_column, "the time column"), (entity, "the entity column")):
        if name is not None and name not in real.columns:
            raise _missing_column(name, real, role)
    if isinstance(columns, str):
        columns = [c.strip() for c in columns.split(",") if c.strip()]
    keys = {time_column, entity}
    if columns is not None:
        chosen = list(dict.fromkeys(columns))
        for name in chosen:
            if name not in real.columns:
                raise _missing_column(name, real, "in --columns")
        chosen = [c for c in chosen if c not in keys]
    elif returns is not None:
        chosen = [c for c in real.columns if c not in keys and pd.api.types.is_numeric_dtype(real[c])
                  and not pd.api.types.is_bool_dtype(real[c])]
    else:
        chosen = [c for c in real.columns if c not in keys]
    if not chosen:
        raise DataValidationError(f"the real table has no value column besides {', '.join(k for k in keys if k)}; "
                                  "add value columns or name them with --columns")
    return chosen


def _path_column(synthetic: pd.DataFrame, entity: str | None, real_columns: Sequence[str]) -> str | None:
    if entity is not None and entity in synthetic.columns:
        return entity
    if PATH_COLUMN in synthetic.columns and PATH_COLUMN not in real_columns:
        return PATH_COLUMN
    return None


def _check_synthetic(synthetic: pd.DataFrame, needed: list[str], entity: str | None, path_column: str | None,
                     returns: str | None) -> None:
    missing = [c for c in needed if c not in synthetic.columns]
    if entity is not None and path_column is None and returns is None:
        missing.insert(0, entity)
    if missing:
        raise DataValidationError(
            f"the synthetic table has no column(s) {', '.join(map(repr, missing))} (it has "
            f"{', '.join(map(str, synthetic.columns[:12]))}); evaluate paths sampled from a model fitted on these "
            "columns, or name the columns both files have with --time-column/--columns")
    if returns is not None:
        for c in needed[1:]:
            if not pd.api.types.is_numeric_dtype(synthetic[c]) or pd.api.types.is_bool_dtype(synthetic[c]):
                raise DataValidationError(f"Column '{c}' of the synthetic table is not numeric; --returns needs "
                                          "price levels on both sides")


def _returns(frame: pd.DataFrame, time_column: str, key: str | None, columns: list[str], kind: str,
             what: str) -> tuple[SequenceFrame, np.ndarray]:
    """The frame read as series (one per ``key`` value) and each row's returns ``(n_rows, d)``, NaN on first rows."""
    for c in columns:
        if not pd.api.types.is_numeric_dtype(frame[c]) or pd.api.types.is_bool_dtype(frame[c]):
            raise DataValidationError(f"Column '{c}' of the {what} table is not numeric; --returns needs price "
                                      "levels (leave the column out of --columns, or drop --returns for sensor values)")
    sf = read_sequences(frame, SequenceSpec(time=time_column, entity=key, columns=tuple(columns), max_gap=None))
    out = np.empty((len(sf.frame), len(columns)))
    for j, c in enumerate(columns):
        levels = sf.frame[c].to_numpy(dtype=np.float64)
        if np.isnan(levels).any():
            i = int(np.argmax(np.isnan(levels)))
            raise DataValidationError(f"Column '{c}' of the {what} table is missing at {sf.where(i)} "
                                      f"({int(np.isnan(levels).sum())} rows); fill or drop those rows")
        bad = levels <= 0 if kind == "log" else levels == 0
        if bad.any():
            i = int(np.argmax(bad))
            need = "log returns need prices > 0" if kind == "log" else "simple returns divide by the previous level"
            raise DataValidationError(f"Column '{c}' of the {what} table holds {levels[i]:g} at {sf.where(i)} "
                                      f"({int(bad.sum())} such values): {need}. Fix or drop those rows, or drop "
                                      "--returns to compare the values as they are")
        out[:, j] = returns_within(levels, sf.first, kind)
    return sf, out


def _synthetic_paths(sf: SequenceFrame, returns: np.ndarray) -> np.ndarray:
    """Returns ``(n_paths, length, d)`` per synthetic path; unequal paths are cut to the shortest."""
    lengths = sf.lengths - 1
    starts = np.flatnonzero(sf.first)
    shortest = int(lengths.min())
    if shortest < 2:
        raise DataValidationError(f"a synthetic path has {shortest + 1} row(s), too short for returns; sample paths of "
                                  "at least 3 steps (--length)")
    if (lengths != shortest).any():
        warnings.warn(f"the synthetic paths have {int(lengths.min()) + 1} to {int(lengths.max()) + 1} rows; every path "
                      f"is cut to its first {shortest + 1} to compare them", DataWarning, stacklevel=3)
    return np.stack([returns[s + 1: s + 1 + shortest] for s in starts])


def _returns_data(real: pd.DataFrame, synthetic: pd.DataFrame, held: pd.DataFrame | None, split: Any, time_column: str,
                  entity: str | None, path_column: str | None, columns: list[str], kind: str
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    sf, ret = _returns(real, time_column, entity, columns, kind, "real")
    keep = ~sf.first
    train, holdout = ret[keep], None
    if split is not None:
        if sf.times.dtype.kind != "M":
            raise ConfigError(f"--split-date needs a time column of dates, but '{time_column}' holds numbers; "
                              "split the file yourself and pass the later part with --holdout")
        before = sf.times < split
        train, holdout = ret[keep & before], ret[keep & ~before]
        for part, where in ((train, "before"), (holdout, "at or after")):
            if len(part) < 2:
                raise DataValidationError(f"the real table has {len(part)} return(s) {where} --split-date "
                                          f"{pd.Timestamp(split).date()}; choose a date inside its time range")
    elif held is not None:
        sf_h, ret_h = _returns(held, time_column, entity, columns, kind, "holdout")
        holdout = ret_h[~sf_h.first]
    sf_s, ret_s = _returns(synthetic, time_column, path_column, columns, kind, "synthetic")
    return train, _synthetic_paths(sf_s, ret_s), holdout


def _sensor_frames(real: pd.DataFrame, synthetic: pd.DataFrame, time_column: str, entity: str | None,
                   path_column: str | None, columns: list[str]) -> tuple[pd.DataFrame, pd.DataFrame, str | None]:
    from synthgan.timeseries.sequences import parse_time

    key = entity
    real = real[([entity] if entity else []) + [time_column] + columns]
    synthetic = synthetic[([path_column] if path_column else []) + [time_column] + columns]
    if entity is not None and path_column != entity:
        synthetic = synthetic.rename(columns={path_column: entity})
    elif entity is None and path_column is not None:  # several synthetic paths of one real series
        key = path_column
        real = real.assign(**{path_column: "real"})
    for frame, what in ((real, "real"), (synthetic, "synthetic")):
        try:
            parse_time(frame[time_column], time_column)
        except DataValidationError as exc:
            raise DataValidationError(f"in the {what} table: {exc}") from None
        twice = frame.duplicated([c for c in (key, time_column) if c])
        if twice.any():
            at = frame[time_column].iloc[int(np.argmax(twice.to_numpy()))]
            raise DataValidationError(
                f"in the {what} table the time {at} appears more than once" + (f" for one {key}" if key else "")
                + "; each time must appear once per series: name the entity column (--entity) if the rows belong to "
                  "several series, or drop the duplicate rows")
    return real, synthetic, key


def evaluate_series(real: Any, synthetic: Any, *, time_column: str, entity: str | None = None,
                    columns: str | Sequence[str] | None = None, returns: str | None = None, holdout: Any = None,
                    split_date: str | None = None, window: int = 20, repetitions: int = 3, seed: int = 0,
                    classifiers: Sequence[str] = CLASSIFIERS, json_path: str | os.PathLike | None = None,
                    html_path: str | os.PathLike | None = None, title: str | None = None) -> dict[str, Any]:
    """Evaluate synthetic long-format series against real ones and optionally write JSON and an HTML report.

    Parameters
    ----------
    real, synthetic : DataFrame, str or PathLike
        The real series and the synthetic paths, long format (see the module docstring).
    time_column : str
        The time column of both.
    entity : str, optional
        The real entity key column (a station, a ticker); the synthetic path ids are in the
        column of that name, or in ``path``.
    columns : str or sequence of str, optional
        Value columns (a comma-separated string is split); default: every other column of
        ``real`` (numeric ones with ``returns``).
    returns : {"log", "simple"}, optional
        The values are price levels: compare their returns (:func:`evaluate_returns`);
        None compares sensor values (:func:`evaluate_sensors`).
    holdout : DataFrame, str or PathLike, optional
        Real series the generator never saw (with ``returns``): the predictive score's test
        set and the copying score's yardstick.
    split_date : str, optional
        Instead of ``holdout``: real returns ending before this date are the training side,
        the rest the holdout.
    window, repetitions, seed, classifiers
        Passed to :func:`~synthgan.timeseries.evaluation.evaluate_returns`.
    json_path, html_path : str or PathLike, optional
        Where to write the result as JSON and the self-contained HTML report.
    title : str, optional
        Title of the HTML report (default names the two files).

    Returns
    -------
    dict
        The JSON-safe result of ``evaluate_returns`` or ``evaluate_sensors``; its ``meta``
        gains ``inputs`` (files, columns, returns, split).

    Raises
    ------
    ConfigError
        A bad option. DataValidationError and InputFileError for files that cannot be compared.
    """
    from synthgan.io.atomic import atomic_path, check_output_path
    from synthgan.timeseries.evaluation import evaluate_returns, evaluate_sensors, write_series_report

    classifiers = tuple(classifiers)
    kind, split = _check_options(time_column, returns, holdout, split_date, window, repetitions, seed, classifiers)
    for path, what in ((json_path, "metrics JSON"), (html_path, "HTML report")):
        if path is not None:
            check_output_path(path, what=what)
    started = time.perf_counter()
    real_df, synth_df = as_table(real, "real"), as_table(synthetic, "synthetic")
    held_df = as_table(holdout, "holdout") if holdout is not None else None
    cols = _value_columns(real_df, time_column, entity, columns, kind)
    path_column = _path_column(synth_df, entity, list(real_df.columns))
    _check_synthetic(synth_df, [time_column] + cols, entity, path_column, kind)
    if held_df is not None:
        missing = [c for c in [time_column] + ([entity] if entity else []) + cols if c not in held_df.columns]
        if missing:
            raise DataValidationError(f"the holdout table has no column(s) {', '.join(map(repr, missing))}; give real "
                                      "series with the real table's columns")
    if kind is not None:
        real_x, synth_x, held_x = _returns_data(real_df, synth_df, held_df, split, time_column, entity, path_column,
                                                cols, kind)
        result = evaluate_returns(real_x, synth_x, held_x, window=window, repetitions=repetitions, seed=seed,
                                  classifiers=classifiers)
    else:
        real_x, synth_x, key = _sensor_frames(real_df, synth_df, time_column, entity, path_column, cols)
        result = evaluate_sensors(real_x, synth_x, time_column=time_column, entity_column=key)
    result["meta"]["inputs"] = {
        "real": _name(real), "synthetic": _name(synthetic), "holdout": _name(holdout), "time_column": time_column,
        "entity": entity, "path_column": path_column, "columns": cols, "returns": kind,
        "split_date": None if split is None else str(pd.Timestamp(split).date()),
        "seconds": round(time.perf_counter() - started, 3)}
    if json_path is not None:
        with atomic_path(json_path, what="metrics JSON") as tmp:
            Path(tmp).write_text(json.dumps(result, indent=2, allow_nan=False) + "\n", encoding="utf-8")
    if html_path is not None:
        names = (_name(synthetic), _name(real))
        default = f"synthgan series evaluation: {names[0]} vs {names[1]}" if all(names) else "synthgan series evaluation"
        write_series_report(result, real_x, synth_x, html_path, title=title or default)
    return result


def _lag(values: list, lag: int) -> float | None:
    return values[lag] if lag < len(values) else None


def headline(result: dict[str, Any]) -> list[tuple[str, str, float | None, float | None]]:
    """The figures worth printing: ``(key, label, real, synthetic)`` rows (None where a side has none).

    For returns (per value column, keys prefixed ``COLUMN:`` when there are several): skew,
    excess kurtosis, Hill index of ``|r|``, excess kurtosis of the longest horizon's sums,
    ACF of ``|r|`` at lags 1 and 100, ``corr(r_t, r_{t+1}^2)``; then the discriminative
    scores, the predictive MAE x 1e3 (real-trained in the real column), the exact-copy share
    and the nearest-neighbour distance ratio. For sensors: the summary distances.
    """
    if result.get("kind") == "sensors":
        return [(k, k.replace("_", " "), None, v) for k, v in result["summary"].items()]
    names = (result["meta"].get("inputs") or {}).get("columns") or [f"dim {j}" for j in range(len(result["stylized"]))]
    rows = []
    for name, st in zip(names, result["stylized"]):
        prefix, label = (f"{name}:", f"{name}: ") if len(result["stylized"]) > 1 else ("", "")
        r, s = st["real"], st["synthetic"]
        horizon = list(r["kurtosis_of_sums"])[-1]
        for key, text, get in (
                ("skew", "skew", lambda x: x["moments"]["skew"]),
                ("kurtosis", "excess kurtosis", lambda x: x["moments"]["kurtosis"]),
                ("hill", "Hill tail index |r|", lambda x: x["tail_index"]["abs"]),
                (f"kurtosis_{horizon}", f"excess kurtosis, {horizon}-step sums", lambda x: x["kurtosis_of_sums"][horizon]),
                ("acf_abs_1", "ACF |r| lag 1", lambda x: _lag(x["acf"]["abs"], 1)),
                ("acf_abs_100", "ACF |r| lag 100", lambda x: _lag(x["acf"]["abs"], 100)),
                ("leverage_1", "corr(r_t, r_t+1^2)", lambda x: _lag(x["leverage_correlation"], 0))):
            rows.append((prefix + key, label + text, get(r), get(s)))
    summary = result["summary"]
    for name in result["discriminative"]:
        rows.append((f"disc_{name}", f"discriminative |acc-0.5|, {name}", None, summary.get(f"discriminative_{name}")))
    rows.append(("pred_mae_x1e3", "predictive MAE x1e3 (real: real-trained)",
                 summary.get("predictive_mae_x1e3_real_trained"), summary.get("predictive_mae_x1e3_synthetic_trained")))
    rows.append(("exact_copy_share", f"exact-copy share, {result['meta']['window']}-step windows", None,
                 summary.get("exact_copy_share")))
    rows.append(("nn_ratio", "NN distance ratio synthetic/holdout", None, summary.get("copying_distance_ratio")))
    return rows
