"""Check that a table can be learned from, and that it matches a schema.

Every problem raises one error with a one-line message that names the column and
says how to fix it: :class:`DataValidationError` for the data itself,
:class:`SchemaError` when the data and the schema disagree.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from synthgan.tabular.schema import ColumnSchema, Schema, guess_date_format
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
    text = present.astype(str)
    fmt = col.datetime_format or (guess_date_format(text) if len(text) else None)
    if fmt is None:
        parsed = pd.Series(pd.NaT, index=present.index)
    else:
        parsed = pd.to_datetime(text, format=fmt, errors="coerce")
    bad = present[parsed.isna().to_numpy()]
    if len(bad):
        raise SchemaError(
            f"Column '{col.name}' has kind 'datetime' but {len(bad)} value(s) do not parse as dates (e.g. {bad.iloc[0]!r}); "
            "fix them, set 'datetime_format' in the schema, or use kind 'categorical'."
        )
