"""The anomaly experiment's input: a binary label column, and which of its values marks an anomaly."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from synthgan.errors import ConfigError, DataValidationError

__all__ = ["check_binary_label", "json_scalar"]

_SHOWN = 8


def json_scalar(value: Any) -> Any:
    """A numpy scalar as the Python scalar it holds (``0``, not ``np.int64(0)``); anything else as it is."""
    return value.item() if isinstance(value, np.generic) else value


def check_binary_label(data: pd.DataFrame, label: str, anomaly_value: Any = None) -> Any:
    """The value of ``data[label]`` that marks an anomaly, after checking the column is a binary label.

    Without ``anomaly_value``: ``1`` (or ``True``) for a 0/1 or boolean label, else the rarer value.

    Raises
    ------
    DataValidationError
        No such column, fewer or more than two values, or two equally common text values.
    ConfigError
        ``anomaly_value`` is not one of the label's values.
    """
    if not isinstance(data, pd.DataFrame):
        raise ConfigError(f"data must be a pandas DataFrame, got {type(data).__name__}; read files with synthgan.io.tables.read_table")
    if not isinstance(label, str) or label not in data.columns:
        shown = ", ".join(map(str, list(data.columns)[:_SHOWN])) + (", ..." if data.shape[1] > _SHOWN else "")
        raise DataValidationError(f"label column {label!r} is not in the table; its columns are {shown}; "
                                  "pass the column that marks anomalies (e.g. --label is_anomaly)")
    counts = data[label].value_counts(dropna=True).sort_values(ascending=False, kind="stable")
    values = [json_scalar(v) for v in counts.index]  # 0, not np.int64(0), in messages and results
    if len(counts) < 2:
        found = "no values" if counts.empty else f"only the value {values[0]!r}"
        raise DataValidationError(f"label column '{label}' has {found}: the experiment needs labelled anomalies and normal "
                                  "rows to score against; to learn one class, fit a detector with `synthgan anomaly fit`")
    if len(counts) > 2:
        shown = ", ".join(repr(v) for v in values[:_SHOWN])
        raise DataValidationError(f"label column '{label}' is not binary: it has {len(counts)} values ({shown}); map it to "
                                  "two values first, e.g. 1 for the anomalous classes and 0 for the rest")
    if anomaly_value is not None:
        for value in values:
            if value == anomaly_value or str(value) == str(anomaly_value) or _same_number(value, anomaly_value):
                return value
        raise ConfigError(f"anomaly value {anomaly_value!r} does not occur in label column '{label}'; its values are "
                          f"{values[0]!r} and {values[1]!r}")
    numeric = [v for v in values if isinstance(v, (bool, np.bool_, int, float, np.integer, np.floating))]
    if len(numeric) == 2 and {float(v) for v in numeric} == {0.0, 1.0}:
        return next(v for v in values if float(v) == 1.0)
    if counts.iloc[0] == counts.iloc[1]:
        raise DataValidationError(f"label column '{label}' has values {values[0]!r} and {values[1]!r} equally often, so "
                                  "the anomaly value cannot be told; pass it (anomaly_value=... / --anomaly-value)")
    return values[1]


def _same_number(value: Any, text: Any) -> bool:
    """Whether a numeric label value and a typed value (``"1"`` for ``1.0``) are the same number."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    try:
        return float(text) == float(value)
    except (TypeError, ValueError):
        return False
