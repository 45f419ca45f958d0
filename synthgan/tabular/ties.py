"""Tied events: a frequent value of one column that marks the same rows as a frequent value of another.

In bank marketing, ``pdays = -1`` (never contacted before) and ``previous = 0`` mark
exactly the same 82 % of rows; in Adult, a missing ``workclass`` comes with a missing
``occupation`` in all but 7 of 26,048 rows. A model that learns such columns
separately breaks the relation in some rows (9 % of ctgan's rows on bank), which
a real-vs-synthetic detector spots at once and a user sees as impossible records.

The encoder keeps such relations exactly: the *child* column's event value is set
from the *parent*'s event after decoding, and the child is learned only where the
event does not hold. Its event rows are given values drawn from its other values
before encoding, so the model never learns (or produces) the child's event value
on its own: every decoded row is consistent.

Rules, cheap and deterministic:

* events are values (missing counts as one) that hold between 1 % and 99 % of the
  rows; at most the 10 most frequent of each column;
* two events of different columns are tied when they disagree on at most 0.1 % of
  the rows (exactly, on small tables);
* tied events form groups; a categorical or boolean member is the parent when
  there is one (so conditions on it still work), else the first in table order;
* a column is the child of at most one tie and never also a parent; columns
  derived by a dependency and the parents of those take no part as children.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from synthgan.tabular.transforms.values import json_value

MIN_SHARE = 0.01
MAX_DISAGREEMENT = 0.001
MAX_EVENTS_PER_COLUMN = 10


@dataclass
class EventTie:
    """Where ``parent == parent_value``, ``child == child_value`` (None = missing), and only there."""

    child: str
    child_value: Any
    parent: str
    parent_value: Any

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "EventTie":
        return cls(**data)

    def impute(self, child: pd.Series, rng: np.random.Generator) -> pd.Series:
        """``child`` with its event cells replaced by draws from its other values (what the model learns)."""
        event = event_mask(child, self.child_value)
        others = np.flatnonzero(~event)
        if not event.any() or others.size == 0:
            return child
        values = child.to_numpy(copy=True)
        values[event] = values[others[rng.integers(0, others.size, int(event.sum()))]]
        return pd.Series(values, index=child.index, name=child.name, dtype=child.dtype)

    def apply(self, child: pd.Series, parent: pd.Series) -> pd.Series:
        """Decoded ``child`` with its event value exactly where the decoded ``parent`` has its own."""
        where = event_mask(parent, self.parent_value)
        if not where.any():
            return child
        fill = np.nan if self.child_value is None else self.child_value
        out = child.mask(pd.Series(where, index=child.index), fill)
        return out if out.dtype == child.dtype else out.astype(child.dtype)


def event_mask(s: pd.Series, value: Any) -> np.ndarray:
    """Boolean mask of the cells of ``s`` equal to ``value`` (None: missing cells)."""
    if value is None:
        return s.isna().to_numpy()
    return (s == value).to_numpy(dtype=bool, na_value=False)


def find_ties(df: pd.DataFrame, columns: list[str], categorical: set[str], excluded_children: set[str]) -> list[EventTie]:
    """Tied events among ``columns`` of ``df`` (see the module docstring), in table order of the children.

    Parameters
    ----------
    df : pandas.DataFrame
        Training data.
    columns : list of str
        Columns that may take part, in table order.
    categorical : set of str
        Those that are categorical or boolean (preferred as parents).
    excluded_children : set of str
        Columns that may be parents but not children.
    """
    n_rows = len(df)
    if n_rows == 0:
        return []
    tolerance = int(MAX_DISAGREEMENT * n_rows)
    events: list[tuple[str, Any, int]] = []
    for name in columns:
        counts = df[name].value_counts(dropna=False)  # most frequent first
        counts = counts[(counts >= MIN_SHARE * n_rows) & (counts <= (1 - MIN_SHARE) * n_rows)].iloc[:MAX_EVENTS_PER_COLUMN]
        events += [(name, json_value(value), int(count)) for value, count in counts.items()]
    groups = _group(df, events, tolerance)
    ties, used = [], set()
    for members in groups:
        by_column = {events[i][0]: events[i] for i in members}
        if len(by_column) < 2:
            continue
        order = sorted(by_column, key=lambda c: (c not in categorical, columns.index(c)))
        parent = order[0]
        if parent in used:
            continue
        children = [c for c in order[1:] if c not in used and c not in excluded_children]
        for child in children:
            ties.append(EventTie(child, by_column[child][1], parent, by_column[parent][1]))
        used.update(children)
        if children:
            used.add(parent)
    return sorted(ties, key=lambda t: columns.index(t.child))


def _group(df: pd.DataFrame, events: list[tuple[str, Any, int]], tolerance: int) -> list[list[int]]:
    """Union of events that disagree on at most ``tolerance`` rows.

    Only events with counts within ``tolerance`` of each other can agree that well, so
    masks are built only for those (a wide, long table never holds every event's mask).
    """
    parent = list(range(len(events)))
    masks: dict[int, np.ndarray] = {}

    def mask(i: int) -> np.ndarray:
        if i not in masks:
            masks[i] = event_mask(df[events[i][0]], events[i][1])
        return masks[i]

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    order = sorted(range(len(events)), key=lambda i: events[i][2])
    for a, i in enumerate(order):
        for j in order[a + 1 :]:
            if events[j][2] - events[i][2] > tolerance:
                break  # sorted by count: no later event can be close enough
            if events[i][0] != events[j][0] and np.count_nonzero(mask(i) != mask(j)) <= tolerance:
                parent[root(j)] = root(i)
    groups: dict[int, list[int]] = {}
    for i in range(len(events)):
        groups.setdefault(root(i), []).append(i)
    return [sorted(g) for g in groups.values()]
