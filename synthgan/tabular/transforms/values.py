"""Move column values between pandas and plain arrays, and back to the exact input dtype.

Transformers work on float64 arrays (NaN = missing) for numeric kinds and on
Python objects for discrete kinds; everything they decode goes through
:func:`restore_series` so synthetic columns have exactly the dtype of the input
column (pandas 3 ``str``, ``int64``, ``float64``, ``bool``, ``boolean``,
``datetime64[...]``, ``category``, ``object`` ...).
"""

from __future__ import annotations

import re
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from synthgan.tabular.schema import ColumnSchema, parse_dates

_US_PER_SECOND = 1e6
# A UTC offset as written in a date string: "+01:00", "-0530".
_OFFSET_TEXT = re.compile(r"^([+-])(\d{2}):?(\d{2})$")


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
    stamps = parse_dates(s.rename(col.name), col.datetime_format)  # naive UTC; microseconds reach years 1..9999
    us = stamps.astype("datetime64[us]").to_numpy().view(np.int64)
    out = us.astype(np.float64) / _US_PER_SECOND
    out[stamps.isna().to_numpy()] = np.nan
    return out


def to_python(value: Any) -> Any:
    """A numpy scalar as a plain Python value (JSON-safe for str/int/float/bool)."""
    return value.item() if isinstance(value, np.generic) else value


def json_value(value: Any) -> Any:
    """``to_python(value)``, with every kind of missing (None, NaN, pd.NA) as None."""
    value = to_python(value)
    return None if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA else value


def restore_series(
    values: np.ndarray, col: ColumnSchema, index: pd.Index | None = None, bounds: tuple[int, int] | None = None
) -> pd.Series:
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
    bounds : (int, int), optional
        Exact observed minimum and maximum of an integer column: float64 values are
        clipped to them after the cast, where float rounding cannot move them.
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
        return pd.Series(_clip_ints(to_integers(values, dtype), bounds), index=index, name=col.name)
    if values.dtype.kind == "f" and dtype.startswith(("Int", "UInt")):
        missing = np.isnan(values)
        ints = to_integers(np.where(missing, 0.0, values), dtype.lower())
        return pd.Series(pd.arrays.IntegerArray(_clip_ints(ints, bounds), missing), index=index, name=col.name, dtype=dtype)
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
    with np.errstate(invalid="ignore", over="ignore"):
        us = np.where(missing, 0, np.round(seconds * _US_PER_SECOND)).astype(np.int64)
    stamps = pd.Series(us.astype("datetime64[us]"), index=index, name=col.name)
    stamps[missing] = pd.NaT
    dtype = col.dtype
    if pd.api.types.is_datetime64_any_dtype(pd.api.types.pandas_dtype(dtype) if dtype else "O"):
        tz = getattr(pd.api.types.pandas_dtype(dtype), "tz", None)
        if tz is not None:
            return stamps.dt.tz_localize("UTC").dt.tz_convert(tz).astype(dtype)
        return stamps.astype(dtype)
    if not col.datetime_format and dtype in ("object", ""):  # Python datetime objects in, Python datetime objects out
        if col.timezone == "UTC":
            stamps = stamps.dt.tz_localize("UTC")
        out = np.array([None if pd.isna(t) else t.to_pydatetime() for t in stamps], dtype=object)
        out[missing] = None
        return pd.Series(out, index=index, name=col.name, dtype=object)
    text = _format_dates(stamps, col) if col.datetime_format else stamps.astype(str)
    out = text.to_numpy(dtype=object, na_value=np.nan)
    return restore_series(out, ColumnSchema(col.name, "categorical", dtype), index)


def _format_dates(stamps: pd.Series, col: ColumnSchema) -> pd.Series:
    """Naive UTC ``stamps`` as text in ``col.datetime_format``, written with the column's UTC offset."""
    fmt = col.datetime_format
    if "%z" in fmt:  # offsets are learned away: write the column's one offset, or UTC
        match = _OFFSET_TEXT.match(col.timezone or "")
        if match:
            sign = 1 if match.group(1) == "+" else -1
            stamps = stamps + pd.Timedelta(hours=sign * int(match.group(2)), minutes=sign * int(match.group(3)))
            fmt = fmt.replace("%z", col.timezone)
        else:
            fmt = fmt.replace("%z", "+00:00")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return stamps.dt.strftime(fmt)


def to_integers(values: np.ndarray, dtype: str) -> np.ndarray:
    """Whole float64 ``values`` as the integer numpy ``dtype``, without overflow.

    Values are rounded and clipped to the dtype's range first: float64 cannot hold
    2**63 - 1 or 2**64 - 1, whose nearest floats lie just outside int64/uint64, so
    a plain cast would wrap them (NumPy's "invalid value encountered in cast").
    """
    info = np.iinfo(np.dtype(dtype))
    x = np.round(np.asarray(values, dtype=np.float64))
    top = x >= float(info.max)  # float(info.max) rounds up past the largest integer for 64 bits
    bottom = x <= float(info.min)
    with np.errstate(invalid="ignore"):
        out = np.where(top | bottom, 0.0, x).astype(dtype)
    out[top] = info.max
    out[bottom] = info.min
    return out


def _clip_ints(ints: np.ndarray, bounds: tuple[int, int] | None) -> np.ndarray:
    if bounds is None:
        return ints
    info = np.iinfo(ints.dtype)
    low, high = (ints.dtype.type(min(max(int(b), info.min), info.max)) for b in bounds)
    return np.minimum(np.maximum(ints, low), high)


def _as_object(values: np.ndarray, missing: Any = np.nan) -> np.ndarray:
    obj = np.asarray(values, dtype=object).copy()
    obj[pd.isna(obj)] = missing
    return obj


def _is_numpy_int(dtype: str) -> bool:
    return dtype.startswith(("int", "uint"))
