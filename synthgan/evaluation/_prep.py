"""Column kinds for metrics, input checks, and the shared column encodings.

The schema's kinds (:data:`synthgan.tabular.schema.COLUMN_KINDS`, inferred by
:func:`~synthgan.tabular.schema.infer_schema`) are the package's one column-kind
system; the metrics read them through :data:`METRIC_KIND`:

* ``"numerical"``: continuous and integer columns, except that a whole,
  non-negative column with at most ``min(round(n_rows / 10), 10)`` distinct values
  is ``"categorical"`` (SDV's metadata rule, so our fidelity scores stay comparable
  with SDMetrics' QualityReport).
* ``"datetime"``: datetime columns (datetime dtype, or text in one date format);
  scored as numbers.
* ``"categorical"``: categorical and boolean columns.
* ``"id"``: identifier columns (unique keys); they carry no distribution and every
  metric skips them.

Kinds are inferred from the real table and imposed on the others.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from synthgan.errors import DataValidationError, DataWarning
from synthgan.tabular.schema import guess_date_format, infer_column
from synthgan.tabular.validate import check_cells

NUMERICAL, CATEGORICAL, DATETIME, ID = "numerical", "categorical", "datetime", "id"
CONTINUOUS = (NUMERICAL, DATETIME)

# Schema kind -> metric kind: the one place where the two meet. Every metric kind has
# a schema counterpart; "categorical" also takes low-cardinality integers (see
# _is_sdv_categorical), the one rule the metrics add on top of the schema.
METRIC_KIND = {
    "continuous": NUMERICAL,
    "integer": NUMERICAL,
    "categorical": CATEGORICAL,
    "boolean": CATEGORICAL,
    "datetime": DATETIME,
    "id": ID,
    "pii": ID,  # direct identifiers: replaced by fakes, no distribution to compare
}
_MIN_ROWS_FOR_DETECTION = 5


def _is_sdv_categorical(col: pd.Series) -> bool:
    """SDV's rule: whole, non-negative values with few distinct values are categories."""
    n = len(col)
    values = col.dropna().to_numpy(dtype=float)
    if n <= _MIN_ROWS_FOR_DETECTION or not values.size:
        return False
    whole = bool(np.all(values == np.round(values))) and bool(np.all(values >= 0))
    return whole and col.nunique() <= min(round(n / 10), 10)


def infer_kind(col: pd.Series) -> str:
    """The metric kind of one column: its schema kind through :data:`METRIC_KIND`.

    Parameters
    ----------
    col : pandas.Series
        The column (its name matters: identifier names such as ``user_id``).

    Returns
    -------
    str
        ``"numerical"``, ``"categorical"``, ``"datetime"`` or ``"id"``.
    """
    with warnings.catch_warnings():  # the schema's advice on mixed columns is about learning, not scoring
        warnings.simplefilter("ignore", DataWarning)
        kind = infer_column(str(col.name), col).kind
    if kind == "integer" and _is_sdv_categorical(col):
        return CATEGORICAL
    return METRIC_KIND[kind]


def infer_kinds(frame: pd.DataFrame) -> dict[str, str]:
    """How the evaluation suite treats each column of ``frame``, in column order.

    Runs the schema inference and maps each column's kind to a metric kind (see
    the module docstring).

    Parameters
    ----------
    frame : pandas.DataFrame
        The real table; infer once from it and pass the result as ``kinds=`` to the
        metrics so that real and synthetic tables are read the same way.

    Returns
    -------
    dict of str to str
        Column name to ``"numerical"``, ``"categorical"``, ``"datetime"`` or ``"id"``
        (unique keys, left out of every metric).
    """
    return {name: infer_kind(frame[name]) for name in frame.columns}


def _dtype_family(col: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(col) or pd.api.types.is_numeric_dtype(col):
        return "number"
    if pd.api.types.is_datetime64_any_dtype(col):
        return "datetime"
    return "text"


def validate_tables(
    real: pd.DataFrame,
    synthetic: pd.DataFrame,
    *,
    holdout: pd.DataFrame | None = None,
    target: str | None = None,
    sensitive: Sequence[str] = (),
) -> None:
    """Check that the tables can be compared; raise :class:`DataValidationError` naming the problem."""
    tables = {"real": real, "synthetic": synthetic}
    if holdout is not None:
        tables["holdout"] = holdout
    for label, frame in tables.items():
        if not isinstance(frame, pd.DataFrame):
            raise DataValidationError(f"the {label} table must be a pandas DataFrame, got {type(frame).__name__}")
        if len(frame) == 0:
            raise DataValidationError(f"the {label} table has no rows; give a table with at least one row")
        if frame.columns.has_duplicates:
            dup = frame.columns[frame.columns.duplicated()][0]
            raise DataValidationError(f"column '{dup}' appears twice in the {label} table; make column names unique")
        check_cells(frame, where=f" in the {label} table")  # lists, bytes, durations, ...: the same refusal as fit
    for label, frame in tables.items():
        if label == "real":
            continue
        missing = [c for c in real.columns if c not in frame.columns]
        extra = [c for c in frame.columns if c not in real.columns]
        if missing or extra:
            what = f"lacks column '{missing[0]}'" if missing else f"has column '{extra[0]}' that the real table lacks"
            raise DataValidationError(
                f"the {label} table {what}; both tables need the same columns "
                f"({len(missing)} missing, {len(extra)} extra)"
            )
        for name in real.columns:
            a, b = real[name], frame[name]
            if a.isna().all() or b.isna().all():
                continue  # an all-missing column has no meaningful dtype; metrics say why they skip it
            fa, fb = _dtype_family(a), _dtype_family(b)
            if fa != fb:
                raise DataValidationError(
                    f"column '{name}' holds {fa} values in the real table but {fb} values in the {label} table; "
                    f"convert it so both tables use the same type"
                )
    for role, names in (("target", [target] if target is not None else []), ("sensitive", list(sensitive))):
        for name in names:
            for label, frame in tables.items():
                if name not in frame.columns:
                    raise DataValidationError(
                        f"{role} column '{name}' is not in the {label} table; choose one of its columns"
                    )


def numeric_values(col: pd.Series) -> np.ndarray:
    """A float64 array of ``col``: datetimes as nanoseconds, missing values as NaN."""
    if pd.api.types.is_datetime64_any_dtype(col):
        as_int = col.astype("int64", copy=False).to_numpy(dtype=np.float64)
        as_int[col.isna().to_numpy()] = np.nan
        return as_int
    if not pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
        return numeric_values(_parse_dates(col))
    return pd.to_numeric(col, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)


def round_safe(values: np.ndarray, decimals: int) -> np.ndarray:
    """``values`` (float64) rounded to ``decimals`` decimals where that means anything.

    np.round multiplies by 10**decimals first, which overflows to inf for huge values
    (every value above ~1e299 would become inf and compare equal); from 1e15 on,
    float64 holds no digits after the point, so those values are kept as they are.
    """
    out = np.asarray(values, dtype=np.float64).copy()
    small = np.abs(out) < 1e15
    out[small] = np.round(out[small], decimals)
    return out


def _parse_dates(col: pd.Series) -> pd.Series:
    """Text dates as datetimes: ISO-8601, else the one format the schema would find (missing where neither parses)."""
    try:
        parsed = pd.to_datetime(col, format="ISO8601", errors="coerce")
    except ValueError:  # UTC offsets that change (daylight saving): compare in UTC, as the schema learns them
        parsed = pd.to_datetime(col, format="ISO8601", errors="coerce", utc=True).dt.tz_localize(None)
    failed = parsed.isna() & col.notna()
    if failed.any():
        text = pd.Series(col[failed].unique(), dtype=object).astype(str)
        fmt = guess_date_format(text)
        if fmt is not None:  # e.g. "%d.%m.%Y", which the schema calls datetime but ISO-8601 does not read
            other = pd.to_datetime(col, format=fmt, errors="coerce")
            try:  # the ISO parse's unit, so every table of a comparison is read in the same unit
                parsed = parsed.mask(failed, other.astype(parsed.dtype))
            except (TypeError, ValueError):  # time zones that do not mix: keep the ISO reading
                pass
    return parsed


def shared_codes(columns: Iterable[pd.Series]) -> tuple[list[np.ndarray], np.ndarray]:
    """Integer codes over the union of values of ``columns`` (missing -> -1) and the categories.

    Values are compared after a common conversion, so ``1`` (int) and ``1.0``
    (float, from a CSV with gaps) are the same category.
    """
    cols = list(columns)
    joined = pd.concat([comparable_values(c) for c in cols], ignore_index=True)
    codes, uniques = pd.factorize(joined, use_na_sentinel=True)
    out, start = [], 0
    for col in cols:
        out.append(codes[start:start + len(col)].astype(np.int64))
        start += len(col)
    return out, np.asarray(uniques, dtype=object)


def comparable_values(col: pd.Series) -> pd.Series:
    """``col`` as float64 (numbers, booleans) or object (text), so equal values compare equal across tables."""
    if pd.api.types.is_bool_dtype(col) or pd.api.types.is_numeric_dtype(col):
        return pd.Series(col.to_numpy(dtype=np.float64, na_value=np.nan))
    return pd.Series(col.to_numpy(dtype=object), dtype=object)


def subsample(frame: pd.DataFrame, n_max: int, rng: np.random.Generator) -> pd.DataFrame:
    """At most ``n_max`` rows of ``frame`` drawn without replacement (all rows if fewer)."""
    if len(frame) <= n_max:
        return frame
    idx = np.sort(rng.choice(len(frame), size=n_max, replace=False))
    return frame.iloc[idx]


def scored_columns(kinds: dict[str, str], exclude: Iterable[str] = ()) -> list[str]:
    """Columns that carry a distribution (every kind but ``"id"``), minus ``exclude``."""
    skip = set(exclude)
    return [c for c, k in kinds.items() if k != ID and c not in skip]
