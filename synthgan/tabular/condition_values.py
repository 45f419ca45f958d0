"""Resolve a condition ``column == value`` to the encoded category it means.

A condition names a table column and a value; a conditional model needs the
condition span and the category inside it. This module answers that from a fitted
encoder's parts, following the relations the encoder keeps:

* a tied child's event value is conditioned through its parent's event value
  (Adult's missing ``occupation`` is missing ``workclass``);
* a derived column is conditioned through its parent, when exactly one parent
  level gives the value (``education_num = 13`` is ``education = Bachelors``);
* a level bucketed into "other" gives the "other" category.

Drawing rows that meet conditions is :mod:`synthgan.tabular.conditions`' job.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from synthgan.errors import ConditionError
from synthgan.tabular.dependencies import Dependency
from synthgan.tabular.layout import Layout
from synthgan.tabular.schema import ColumnSchema, Schema
from synthgan.tabular.ties import EventTie
from synthgan.tabular.transforms.base import ColumnTransformer
from synthgan.tabular.transforms.constant import ConstantColumn
from synthgan.tabular.transforms.levels import same_level
from synthgan.tabular.transforms.onehot import OneHotEncoder
from synthgan.tabular.transforms.ordinal import OrdinalCategories

_CATEGORY_ROLES = ("category", "ordinal")


def condition_columns(schema: Schema, layout: Layout, dependencies: list[Dependency]) -> list[str]:
    """Columns usable in conditions: those with a condition span, and columns derived from them.

    Parameters
    ----------
    schema : Schema
    layout : Layout
    dependencies : list of Dependency

    Returns
    -------
    list of str
        In table order.
    """
    direct = [layout.spans[i].column for i in layout.condition_spans]
    derived = [d.child for d in dependencies if d.parent in direct]
    return [name for name in schema.names if name in direct or name in derived]


def condition_index(
    column: str,
    value: Any,
    *,
    schema: Schema,
    layout: Layout,
    transformers: dict[str, ColumnTransformer],
    dependencies: list[Dependency],
    ties: list[EventTie],
) -> tuple[int, int]:
    """``(k, j)``: category ``j`` of the ``k``-th condition span for ``column == value``.

    Parameters
    ----------
    column : str
        Column of the table.
    value : object
        A value as the decoded column holds it (None or NaN for missing).
    schema, layout, transformers, dependencies, ties
        The fitted encoder's ``schema_``, ``layout_``, ``transformers_``,
        ``dependencies_`` and ``ties_``.

    Returns
    -------
    tuple of int
        Index into ``layout.condition_spans`` and category within that span.

    Raises
    ------
    ConditionError
        The column cannot be conditioned on, or the value was not seen in training;
        the message says what to condition on instead.
    """
    parts = {"schema": schema, "layout": layout, "transformers": transformers, "dependencies": dependencies, "ties": ties}
    if column not in schema:
        usable = ", ".join(condition_columns(schema, layout, dependencies))
        raise ConditionError(f"Cannot condition on '{column}': no such column; use one of {usable}.")
    tie = next((t for t in ties if t.child == column and same_value(t.child_value, value)), None)
    if tie is not None:  # the child has this value exactly where its parent has its own
        return condition_index(tie.parent, tie.parent_value, **parts)
    dep = next((d for d in dependencies if d.child == column), None)
    if dep is not None:
        parents = dep.parent_levels_for(value)
        if len(parents) != 1:
            raise ConditionError(
                f"Cannot condition on {column}={value!r}: it is derived from '{dep.parent}' and "
                f"{'no' if not parents else 'several'} '{dep.parent}' values give it; condition on '{dep.parent}' instead."
            )
        return condition_index(dep.parent, parents[0], **parts)
    t = transformers.get(column)
    if not isinstance(t, (OneHotEncoder, OrdinalCategories)):
        usable = ", ".join(condition_columns(schema, layout, dependencies)) or "(none)"
        raise ConditionError(
            f"Cannot condition on '{column}': it is not a categorical column of this encoding; use one of {usable}."
        )
    code = t.levels_.missing_code if is_missing(value) else t.levels_.code_of(value)
    if code is None:
        shown = ", ".join(repr(v) for v in t.levels_.kept[:10])
        raise ConditionError(f"Cannot condition on {column}={value!r}: not a value seen in training (e.g. {shown}).")
    span_index = next(i for i, s in enumerate(layout.spans) if s.column == column and s.role in _CATEGORY_ROLES)
    return layout.condition_spans.index(span_index), int(code)


def same_value(a: Any, b: Any) -> bool:
    """Whether two condition values name the same level (missing equals missing)."""
    if is_missing(a) or is_missing(b):
        return is_missing(a) and is_missing(b)
    return same_level(a, b)


def is_missing(value: Any) -> bool:
    """True for None and NaN-like scalars; False for anything ``pd.isna`` cannot judge."""
    try:
        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


# ------------------------------------------------------------------ values by the column's type
#: kinds every model can condition on (by rejection when the column has no condition span)
REJECTION_KINDS = ("categorical", "boolean", "integer", "datetime")
_TRUE = ("true", "t", "yes", "y", "1")
_FALSE = ("false", "f", "no", "n", "0")
_TEXT_DTYPES = ("str", "string", "object", "category", "")


def _refuse(col: ColumnSchema, value: Any, what: str) -> ConditionError:
    return ConditionError(f"Cannot condition on {col.name}={value!r}: '{col.name}' is {'an' if col.kind == 'integer' else 'a'} {col.kind} column and "
                          f"{value!r} is not {what}; e.g. --condition {col.name}={_example(col)}")


def _example(col: ColumnSchema) -> str:
    if col.kind == "datetime" and col.datetime_format:
        try:
            return pd.Timestamp("2020-01-31").strftime(col.datetime_format)
        except ValueError:
            pass
    return {"integer": "1", "boolean": "true", "datetime": "2020-01-31", "continuous": "1.5"}.get(col.kind, "VALUE")


def _number(col: ColumnSchema, value: Any, integer: bool) -> int | float:
    what = "an integer" if integer else "a number"
    if isinstance(value, (bool, np.bool_)):
        raise _refuse(col, value, what)
    if isinstance(value, str):
        text = value.strip()
        try:
            return int(text) if integer else float(text)
        except ValueError:
            try:
                number = float(text)
            except ValueError:
                raise _refuse(col, value, what) from None
    elif isinstance(value, (int, np.integer, float, np.floating)):
        number = value
    else:
        raise _refuse(col, value, what)
    if not integer:
        return float(number)
    if not np.isfinite(number) or float(number) != int(number):
        raise _refuse(col, value, what)
    return int(number)


def typed_value(col: ColumnSchema, value: Any) -> Any:
    """``value`` as the decoded column holds it, parsed by the column's own type.

    The command line gives text and Python gives objects; both pass through here, so
    ``"1"`` and ``1`` mean the same integer, ``"yes"``, ``"true"`` and ``True`` the same
    boolean, and ``"2020-01-05"`` the same date, whatever the model. Missing values
    (None, NaN) stay missing.

    Raises
    ------
    ConditionError
        The value cannot be read as the column's type (names the column and an example).
    """
    if is_missing(value):
        return None
    kind, dtype = col.kind, str(col.dtype or "")
    if kind == "integer":
        return _number(col, value, integer=True)
    if kind == "continuous":
        return _number(col, value, integer=False)
    if kind == "boolean":
        if isinstance(value, (bool, np.bool_)):
            return bool(value)
        if isinstance(value, (int, np.integer)) and value in (0, 1):
            return bool(value)
        if isinstance(value, str) and value.strip().lower() in _TRUE + _FALSE:
            return value.strip().lower() in _TRUE
        raise _refuse(col, value, "true or false")
    if kind == "datetime":
        if not isinstance(value, (str, pd.Timestamp, np.datetime64)) and not hasattr(value, "year"):
            raise _refuse(col, value, "a date")
        return value
    if kind == "categorical":
        if dtype.startswith(("int", "uint", "Int", "UInt")):
            return _number(col, value, integer=True)
        if dtype.startswith(("float", "Float")):
            return _number(col, value, integer=False)
        if dtype in ("str", "string") and not isinstance(value, str):
            return str(value)  # a text column holds text: 12345 means "12345"
    return value


def _seconds(col: ColumnSchema, values: pd.Series) -> np.ndarray:
    from synthgan.tabular.transforms.values import to_float

    return to_float(values, col)


def check_seen(col: ColumnSchema, value: Any, transformer: ColumnTransformer | None) -> None:
    """Refuse at once a value outside what the column held in training (for rejection-only conditions).

    Raises
    ------
    ConditionError
        A date that cannot be read in the column's format, a number outside the training
        range, or a constant column's other values.
    """
    if value is None:
        return
    number: float | None = None
    if col.kind == "datetime":
        number = float(_seconds(col, pd.Series([value], dtype=object))[0])
        if not np.isfinite(number):
            fmt = f" in the format {col.datetime_format!r}" if col.datetime_format else ""
            raise _refuse(col, value, f"a date{fmt}")
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    fmt = getattr(transformer, "format_", None)
    low, high = getattr(fmt, "low", None), getattr(fmt, "high", None)
    if number is not None and isinstance(low, (int, float)) and isinstance(high, (int, float)) and low <= high:
        if not low <= number <= high:
            shown = (f"{low:g}..{high:g}" if col.kind != "datetime"
                     else f"{pd.Timestamp(low, unit='s')}..{pd.Timestamp(high, unit='s')}")
            raise ConditionError(f"Cannot condition on {col.name}={value!r}: outside the values seen in training ({shown}).")
    constant = getattr(transformer, "value_", None)
    if isinstance(transformer, ConstantColumn) and not same_value(constant, value):
        raise ConditionError(f"Cannot condition on {col.name}={value!r}: the column always held {constant!r} in training.")


def matches(decoded: pd.Series, value: Any, col: ColumnSchema | None) -> np.ndarray:
    """Boolean mask of the decoded cells equal to a :func:`typed_value` (missing matches missing)."""
    if value is None:
        return decoded.isna().to_numpy(dtype=bool)
    if col is not None and col.kind == "datetime":
        target = _seconds(col, pd.Series([value], dtype=object))[0]
        return _seconds(col, decoded) == target
    return (decoded == value).to_numpy(dtype=bool, na_value=False)
