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

import pandas as pd

from synthgan.errors import ConditionError
from synthgan.tabular.dependencies import Dependency
from synthgan.tabular.layout import Layout
from synthgan.tabular.schema import Schema
from synthgan.tabular.ties import EventTie
from synthgan.tabular.transforms.base import ColumnTransformer
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
