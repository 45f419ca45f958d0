"""Move column values between pandas and plain arrays, and back to the exact input dtype.

Transformers work on float64 arrays (NaN = missing) for numeric kinds and on
Python objects for discrete kinds; everything they decode goes through
:func:`restore_series` so synthetic columns have exactly the dtype of the input
column (pandas 3 ``str``, ``int64``, ``float64``, ``bool``, ``boolean``,
``datetime64[...]``, ``category``, ``object`` ...).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from synthgan.tabular.schema import ColumnSchema

_NS_PER_SECOND = 1e9


def is_missing(s: pd.Series) -> np.ndarray:
    """Boolean mask of missing cells (NaN, None, NaT, pd.NA)."""
    return s.isna().to_numpy()


def to_float(s: pd.Series, col: ColumnSchema) -> np.ndarray:
    """Numeric view of a continuous/integer/datetime column as float64 (NaN where missing).

    Datetimes become seconds since the epoch (UTC for time-zone aware columns);
    strings are parsed with ``col.datetime_format``.
    """
    if col.kind == "datetime":
        return _datetime_seconds(s, col)
    if pd.api.types.is_bool_dtype(s.dtype):
        s = s.astype("float64")
    return pd.to_numeric(s, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)


def _datetime_seconds(s: pd.Series, col: ColumnSchema) -> np.ndarray:
    if not pd.api.types.is_datetime64_any_dtype(s.dtype):
        s = pd.to_datetime(s, format=col.datetime_format, errors="coerce")
    if getattr(s.dt, "tz", None) is not None:
        s = s.dt.tz_convert("UTC").dt.tz_localize(None)
    ns = s.astype("datetime64[ns]").to_numpy().view(np.int64)
    out = ns.astype(np.float64) / _NS_PER_SECOND
    out[s.isna().to_numpy()] = np.nan
    return out


def to_python(value: Any) -> Any:
    """A numpy scalar as a plain Python value (JSON-safe for str/int/float/bool)."""
    return value.item() if isinstance(value, np.generic) else value


def json_value(value: Any) -> Any:
    """``to_python(value)``, with every kind of missing (None, NaN, pd.NA) as None."""
    value = to_python(value)
    return None if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA else value


def restore_series(values: np.ndarray, col: ColumnSchema, index: pd.Index | None = None) -> pd.Series:
    """Build the output column from decoded values, cast to ``col.dtype``.

    Parameters
    ----------
    values : numpy.ndarray
        float64 with NaN for missing (numeric kinds, low-cardinality integers) or
        object with ``None``/NaN for missing (categorical, boolean, id).
    col : ColumnSchema
        The column's schema: kind, dtype, date format, categories.
    index : pandas.Index, optional
        Index of the returned Series (default ``RangeIndex``).
    """
    if col.kind == "datetime" and values.dtype.kind == "f":
        return _restore_datetime(values, col, index)
    dtype = col.dtype
    if dtype == "category" or dtype.startswith("category"):
        obj = _as_object(values)
        cats = col.categories if col.categories is not None else pd.unique(obj[pd.notna(obj)])
        data = pd.Categorical(obj, categories=cats, ordered=col.ordered)
        return pd.Series(data, index=index, name=col.name)
    if values.dtype.kind == "f" and _is_numpy_int(dtype):
        if np.isnan(values).any():  # cannot happen for data fitted without missing values
            return pd.Series(values, index=index, name=col.name, dtype="float64")
        return pd.Series(np.round(values).astype(dtype), index=index, name=col.name)
    if dtype in ("bool", "boolean") or dtype.startswith(("Int", "UInt", "Float")):
        obj = _as_object(values, missing=pd.NA)
        if dtype == "bool" and not pd.isna(obj).any():
            return pd.Series(obj.astype(bool), index=index, name=col.name)
        return pd.Series(pd.array(obj, dtype="boolean" if dtype == "bool" else dtype), index=index, name=col.name)
    if dtype == "object" or dtype == "":
        return pd.Series(_as_object(values), index=index, name=col.name, dtype=object)
    if dtype == "str":  # pandas' string dtype reads NaN as missing itself
        return pd.Series(values, index=index, name=col.name, dtype="str")
    if values.dtype.kind == "f":
        return pd.Series(values, index=index, name=col.name).astype(dtype)
    try:
        return pd.Series(_as_object(values), index=index, name=col.name).astype(dtype)
    except (TypeError, ValueError):
        return pd.Series(_as_object(values), index=index, name=col.name, dtype=object)


def restore_from_table(table: np.ndarray, positions: np.ndarray, col: ColumnSchema, index: pd.Index | None = None) -> pd.Series:
    """``restore_series(table[positions], col, index)``, faster for pandas' pyarrow string dtype.

    A ``str`` column is built by one arrow ``take`` from the small table of levels
    (missing as null), instead of converting one Python string per row.
    """
    if col.dtype == "str" and table.dtype == object:
        dtype = pd.api.types.pandas_dtype("str")
        present = pd.notna(table)
        if getattr(dtype, "storage", None) == "pyarrow" and all(isinstance(v, str) for v in table[present]):
            try:
                levels = pa.array(np.where(present, table, None), type=pa.string())
                values = pd.arrays.ArrowStringArray(levels.take(pa.array(positions)), dtype=dtype)
                return pd.Series(values, index=index, name=col.name, copy=False)
            except (TypeError, ValueError):  # another pandas' constructor: take the general path
                pass
    return restore_series(table[positions], col, index)


def _restore_datetime(seconds: np.ndarray, col: ColumnSchema, index: pd.Index | None) -> pd.Series:
    missing = np.isnan(seconds)
    ns = np.where(missing, 0, np.round(seconds * _NS_PER_SECOND)).astype(np.int64)
    stamps = pd.Series(pd.to_datetime(ns, unit="ns"), index=index, name=col.name)
    stamps[missing] = pd.NaT
    dtype = col.dtype
    if pd.api.types.is_datetime64_any_dtype(pd.api.types.pandas_dtype(dtype) if dtype else "O"):
        tz = getattr(pd.api.types.pandas_dtype(dtype), "tz", None)
        if tz is not None:
            return stamps.dt.tz_localize("UTC").dt.tz_convert(tz).astype(dtype)
        return stamps.astype(dtype)
    text = stamps.dt.strftime(col.datetime_format) if col.datetime_format else stamps.astype(str)
    out = text.to_numpy(dtype=object, na_value=np.nan)
    return restore_series(out, ColumnSchema(col.name, "categorical", dtype), index)


def _as_object(values: np.ndarray, missing: Any = np.nan) -> np.ndarray:
    obj = np.asarray(values, dtype=object).copy()
    obj[pd.isna(obj)] = missing
    return obj


def _is_numpy_int(dtype: str) -> bool:
    return dtype.startswith(("int", "uint"))
