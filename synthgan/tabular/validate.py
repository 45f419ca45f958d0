"""Check that a table can be learned from, and that it matches a schema.

Every problem raises one error with a one-line message that names the column and
says how to fix it: :class:`DataValidationError` for the data itself,
:class:`SchemaError` when the data and the schema disagree.
"""

from __future__ import annotations

import datetime as _dt
import decimal as _decimal
from collections.abc import Mapping

import numpy as np
import pandas as pd

from synthgan.tabular.schema import ColumnSchema, Schema, guess_date_format, holds_date_objects, parse_dates
from synthgan.errors import DataValidationError, SchemaError


def validate_frame(df: pd.DataFrame, schema: Schema | None = None, *, min_rows: int = 10) -> None:
    """Raise if ``df`` cannot be learned from (or does not match ``schema``).

    Checks, in order: a DataFrame with at least one column; string, unique column
    names; at least ``min_rows`` rows; no infinite values; and with a schema: the
    same columns as the schema, and data that fits each column's kind.

    Parameters
    ----------
    df : pandas.DataFrame
        The table.
    schema : Schema, optional
        Expected columns and kinds (e.g. a user's schema JSON).
    min_rows : int, default=10
        Fewest rows accepted.

    Raises
    ------
    DataValidationError
        The table itself is not usable.
    SchemaError
        The table and the schema disagree.
    """
    if not isinstance(df, pd.DataFrame):
        raise DataValidationError(f"Expected a pandas DataFrame, got {type(df).__name__}; load the table with pandas.read_csv.")
    if df.shape[1] == 0:
        raise DataValidationError("The table has no columns; check the file's header and separator.")
    _check_names(df)
    check_cells(df)
    if len(df) == 0:
        raise DataValidationError("The table has a header but no rows; give a file with data rows.")
    if len(df) < min_rows:
        raise DataValidationError(f"The table has {len(df)} rows; at least {min_rows} are needed. Add rows.")
    _check_finite(df)
    if schema is not None:
        _check_schema(df, schema)


def _check_names(df: pd.DataFrame) -> None:
    for name in df.columns:
        if not isinstance(name, str):
            raise DataValidationError(
                f"Column name {name!r} is a {type(name).__name__}, not a string; "
                "rename the columns, e.g. df.columns = df.columns.astype(str)."
            )
    counts = pd.Series(df.columns).value_counts()
    duplicated = counts[counts > 1]
    if len(duplicated):
        name, n = duplicated.index[0], int(duplicated.iloc[0])
        raise DataValidationError(f"Column '{name}' appears {n} times; give every column a unique name.")


# --- Cells: one plain value per cell ------------------------------------------------
# Columns are learned as numbers, categories (text, booleans, whole numbers) or dates.
# Cells holding containers, bytes, complex numbers, durations and other objects cannot
# be learned (nor written into a model file), so they are refused here, at the one
# boundary every path passes (Synthesizer.fit, the encoder, read_table, evaluate),
# with a one-line message naming the column and the conversion that makes it usable.

_PLAIN_INFERRED = frozenset({"empty", "string", "integer", "floating", "mixed-integer-float", "boolean",
                             "datetime", "datetime64", "date"})
_PLAIN_TYPES = (str, bool, int, float, np.bool_, np.integer, np.floating, np.datetime64, _dt.date)


def _example(value: object) -> str:
    text = " ".join(repr(value).split())
    return "e.g. " + (text if len(text) <= 40 else text[:37] + "...")


_ONE_VALUE = "but each cell must hold one value; "
_FIXES = {  # kind -> (what the cells hold, how to make them usable); {c} is the column name
    "lists": ("lists", _ONE_VALUE + "spread the items over separate columns, join them into text with "
              "df['{c}'] = df['{c}'].map(str), or drop the column"),
    "sets": ("sets", _ONE_VALUE + "spread the items over separate columns, join them into text with "
             "df['{c}'] = df['{c}'].map(str), or drop the column"),
    "dicts": ("dicts", _ONE_VALUE + "spread the keys into columns with pandas.json_normalize, or drop the column"),
    "bytes": ("bytes", "decode them to text with df['{c}'] = df['{c}'].str.decode('utf-8'), or drop the column"),
    "complex": ("complex numbers", "split them into two numeric columns, "
                "e.g. df['{c}_re'] = np.real(df['{c}']) and df['{c}_im'] = np.imag(df['{c}'])"),
    "durations": ("durations", "convert them to numbers, "
                  "e.g. df['{c}'] = pd.to_timedelta(df['{c}']).dt.total_seconds()"),
    "times": ("times of day", "convert them to numbers (e.g. seconds since midnight) "
              "or to text with df['{c}'] = df['{c}'].astype(str)"),
    "periods": ("periods", "convert them to dates with df['{c}'] = df['{c}'].dt.to_timestamp(), or to text"),
    "intervals": ("intervals", "split them into two numeric columns (left and right ends) "
                  "or convert them to text with df['{c}'] = df['{c}'].astype(str)"),
    "decimals": ("Decimal numbers", "convert them with df['{c}'] = df['{c}'].astype(float)"),
}


def _problem(kind: str, example: str, name: str) -> str:
    what, fix = _FIXES[kind]
    joint = ", " if fix.startswith("but ") else "; "
    return f"{what} ({example}){joint}{fix.format(c=name)}"


def _cell_problem(value: object, name: str) -> str:
    """What one offending cell holds and how to fix it (the words after 'holds')."""
    kinds = (((list, tuple, np.ndarray), "lists"), ((set, frozenset), "sets"), (Mapping, "dicts"),
             ((bytes, bytearray, memoryview), "bytes"), ((complex, np.complexfloating), "complex"),
             ((_dt.timedelta, np.timedelta64), "durations"), (_dt.time, "times"), (pd.Period, "periods"),
             (pd.Interval, "intervals"), (_decimal.Decimal, "decimals"))
    for types, kind in kinds:
        if isinstance(value, types):
            return _problem(kind, _example(value), name)
    return (f"{type(value).__name__} objects ({_example(value)}), which are neither numbers, text nor dates; "
            f"convert them, e.g. df['{name}'] = df['{name}'].astype(str)")


_DTYPE_SAMPLES = (  # dtype test -> a sample value whose message fits that dtype
    (pd.api.types.is_timedelta64_dtype, np.timedelta64(1, "s")),
    (pd.api.types.is_complex_dtype, 1 + 1j),
    (lambda t: isinstance(t, pd.PeriodDtype), pd.Period("2020-01", freq="M")),
    (lambda t: isinstance(t, pd.IntervalDtype), pd.Interval(0, 1)),
)


def arrow_type_kind(pa_type: object) -> str | None:
    """What a column of pyarrow type ``pa_type`` holds when it cannot be learned, or None if it can.

    One of ``"lists"`` (list types), ``"dicts"`` (structs, maps, unions), ``"bytes"``
    (binary), ``"durations"``, ``"times"`` (time of day) or ``"decimals"``.
    """
    import pyarrow as pa

    t = pa_type.value_type if pa.types.is_dictionary(pa_type) else pa_type
    tests = (((pa.types.is_list, pa.types.is_large_list, pa.types.is_fixed_size_list), "lists"),
             ((pa.types.is_struct, pa.types.is_map, pa.types.is_union), "dicts"),
             ((pa.types.is_binary, pa.types.is_large_binary, pa.types.is_fixed_size_binary), "bytes"),
             ((pa.types.is_duration,), "durations"), ((pa.types.is_time,), "times"),
             ((pa.types.is_decimal,), "decimals"))
    for checks, kind in tests:
        if any(check(t) for check in checks):
            return kind
    return None


def kind_words(kind: str) -> str:
    """Plain words for a kind from :func:`arrow_type_kind`, e.g. ``"durations"``."""
    return _FIXES[kind][0]


def _column_problem(s: pd.Series, name: str) -> str | None:
    dtype = s.dtype
    for test, sample in _DTYPE_SAMPLES:
        if test(dtype):
            present = s.dropna()
            return _cell_problem(present.iloc[0] if len(present) else sample, name)
    if getattr(dtype, "pyarrow_dtype", None) is not None:  # pandas ArrowDtype
        kind = arrow_type_kind(dtype.pyarrow_dtype)
        return None if kind is None else _problem(kind, f"type {dtype.pyarrow_dtype}", name)
    if isinstance(dtype, pd.CategoricalDtype):
        return _column_problem(pd.Series(dtype.categories, dtype=object), name)
    if dtype != object:
        return None
    if pd.api.types.infer_dtype(s, skipna=True) in _PLAIN_INFERRED:
        return None  # the common case, decided in C
    for value in s.to_numpy(dtype=object):
        if value is None or isinstance(value, _PLAIN_TYPES):
            continue
        if not isinstance(value, (list, tuple, np.ndarray, set, frozenset, Mapping)) and pd.isna(value):
            continue  # NaN, NaT, pd.NA
        return _cell_problem(value, name)
    return None


def check_cells(df: pd.DataFrame, *, where: str = "") -> None:
    """Raise :class:`DataValidationError` unless every cell of ``df`` holds one plain value.

    Plain values are numbers, booleans, text and dates (and missing values). Refused,
    naming the column and the conversion that makes it usable: lists, tuples, arrays,
    sets and dicts in cells, bytes, complex numbers, durations (timedelta), times of
    day, periods, intervals, Decimal numbers, other objects, and duplicate column names.

    Parameters
    ----------
    df : pandas.DataFrame
        The table.
    where : str, optional
        Names the table in messages, e.g. ``" in the synthetic table"``.
    """
    if df.columns.has_duplicates:
        name = df.columns[df.columns.duplicated()][0]
        n = int((df.columns == name).sum())
        raise DataValidationError(f"Column '{name}'{where} appears {n} times; give every column a unique name.")
    for j, name in enumerate(df.columns):
        problem = _column_problem(df.iloc[:, j], str(name))
        if problem is not None:
            raise DataValidationError(f"Column '{name}'{where} holds {problem}.")


def _check_finite(df: pd.DataFrame) -> None:
    numeric = df.select_dtypes(include="number")
    if numeric.shape[1] == 0:
        return
    values = numeric.to_numpy(dtype=np.float64, na_value=np.nan)
    bad = np.isinf(values).sum(axis=0)
    if bad.any():
        j = int(np.flatnonzero(bad)[0])
        raise DataValidationError(
            f"Column '{numeric.columns[j]}' has {int(bad[j])} infinite value(s); replace them with NaN (missing) or finite numbers."
        )


def _check_schema(df: pd.DataFrame, schema: Schema) -> None:
    for name in schema.names:
        if name not in df.columns:
            raise SchemaError(f"Column '{name}' is in the schema but not in the data; remove it from the schema or add it to the data.")
    for name in df.columns:
        if name not in schema:
            raise SchemaError(f"Column '{name}' is in the data but not in the schema; add it to the schema or drop it from the data.")
    for col in schema:
        _check_kind(df[col.name], col)


def _check_kind(s: pd.Series, col: ColumnSchema) -> None:
    present = s.dropna()
    if col.kind in ("continuous", "integer"):
        if not (pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype)):
            raise SchemaError(
                f"Column '{col.name}' has kind '{col.kind}' but holds {s.dtype} values; "
                "use kind 'categorical', or convert it with pandas.to_numeric."
            )
        if col.kind == "integer" and len(present):
            x = present.to_numpy(dtype=np.float64)
            fractional = x[x != np.round(x)]
            if fractional.size:
                raise SchemaError(
                    f"Column '{col.name}' has kind 'integer' but holds non-whole numbers (e.g. {fractional[0]}); use kind 'continuous'."
                )
    elif col.kind == "datetime":
        _check_datetime(s, present, col)
    elif col.kind == "boolean":
        n = present.nunique()
        if n > 2:
            raise SchemaError(f"Column '{col.name}' has kind 'boolean' but {n} distinct values; use kind 'categorical'.")


def _check_datetime(s: pd.Series, present: pd.Series, col: ColumnSchema) -> None:
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        return
    if pd.api.types.is_numeric_dtype(s.dtype):
        raise SchemaError(
            f"Column '{col.name}' has kind 'datetime' but holds numbers; convert it with pandas.to_datetime(..., unit=...) "
            "or use kind 'continuous'."
        )
    if holds_date_objects(present):
        parsed = parse_dates(present.rename(col.name))  # SchemaError when aware and naive are mixed
    else:
        text = present.astype(str)
        fmt = col.datetime_format or (guess_date_format(text) if len(text) else None)
        if fmt is None:
            parsed = pd.Series(pd.NaT, index=present.index)
        else:
            parsed = parse_dates(text, fmt)
    bad = present[parsed.isna().to_numpy()]
    if len(bad):
        raise SchemaError(
            f"Column '{col.name}' has kind 'datetime' but {len(bad)} value(s) do not parse as dates (e.g. {bad.iloc[0]!r}); "
            "fix them, set 'datetime_format' in the schema, or use kind 'categorical'."
        )
