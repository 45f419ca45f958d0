"""Find the rules between columns that a real table keeps (see :mod:`synthgan.tabular.rules`).

What is searched, and how far (every test is a few array operations per column or
pair of columns, never a loop over rows):

* **numbers**: continuous, integer and datetime columns with at least 3 distinct
  values, the first :data:`MAX_NUMERIC` in table order; **levels**: categorical and
  boolean columns, and integer columns with at most :data:`DISCRETE_LEVELS`
  distinct values, with 2 to :data:`MAX_LEVELS` levels (missing counts as a
  level), the first :data:`MAX_DISCRETE` in table order. Identifiers are skipped.
* ``le``: every pair of numbers (dates only with dates). ``a <= b`` is kept when it
  holds in all but a ``tolerance`` share (0.1 %) of at least :data:`MIN_ROWS` rows
  where both are known, the reverse does not also hold (equal columns), and it
  says something: two values drawn independently from the columns would break it
  at least :data:`MIN_CHANCE` of the time (so ``latitude <= population``, true by
  the columns' ranges alone, is not a rule).
* ``sum``: pairs of the first :data:`MAX_SUM_COLUMNS` numbers (not dates) against
  a third, screened on :data:`SCREEN_ROWS` evenly spaced rows, then checked on all
  rows: it must hold wherever all three are known, and neither term be constant or
  too small to tell from float64 rounding of the others.
* ``range_by_category``: each level (:data:`MIN_LEVEL_ROWS` rows at least) of
  each level column against each number with more than :data:`DISCRETE_LEVELS`
  values: a side of the level's observed range is a bound when at least
  :data:`MIN_OUTSIDE` of all the column's values lie beyond it and so many
  ``rows`` of the level all falling inside would be a :data:`CONFIDENCE`-nat
  coincidence (``rows x -log(1 - outside) >= 20``) if the level had the
  column's overall distribution.
* ``forbidden_combination``: each pair of level columns, unless one is a function
  of the other (the encoder re-derives those): two levels never seen together
  although independence would expect at least :data:`MIN_EXPECTED` rows of them.
  At most :data:`MAX_FORBIDDEN` are kept, the most expected first.

On Adult (32,561 rows) and diabetes (253,680 rows x 22 columns) this takes about
a second.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from synthgan.tabular.rules import (
    SUM_ATOL, SUM_RTOL, ForbiddenCombination, LessEqual, RangeByCategory, Rule, SumOf,
)
from synthgan.tabular.transforms.values import json_value, to_float

if TYPE_CHECKING:  # pragma: no cover
    from synthgan.tabular.schema import Schema

TOLERANCE = 0.001
MIN_ROWS = 50
MIN_CHANCE = 0.01
MAX_NUMERIC = 40
MAX_DISCRETE = 40
MAX_LEVELS = 100
DISCRETE_LEVELS = 30
MAX_SUM_COLUMNS = 20
SCREEN_ROWS = 256
MIN_LEVEL_ROWS = 30
MIN_OUTSIDE = 0.02
CONFIDENCE = 20.0
MIN_EXPECTED = 15.0
MAX_FORBIDDEN = 50
_CHANCE_SAMPLE = 20_000  # values of the left column used to estimate the chance of a break


def detect_rules(df: pd.DataFrame, schema: "Schema", *, tolerance: float = TOLERANCE) -> list[Rule]:
    """The rules ``df`` keeps, with their measured ``violations`` and ``checked`` rows.

    Parameters
    ----------
    df : pandas.DataFrame
        The real table.
    schema : Schema
        Its schema (kinds decide which columns take part; see the module docstring).
    tolerance : float, default=0.001
        Share of checked rows an ``le`` rule may break and still be found ("nearly every row").

    Returns
    -------
    list of Rule
        ``le`` rules, then sums, ranges and forbidden combinations, each in table order.
    """
    if len(df) == 0:
        return []
    numeric, dates, levels = _candidates(df, schema)
    X = np.column_stack([to_float(df[name], schema[name]) for name in numeric]) if numeric else np.empty((len(df), 0))
    D = np.column_stack([to_float(df[name], schema[name]) for name in dates]) if dates else np.empty((len(df), 0))
    codes = {name: pd.factorize(df[name], use_na_sentinel=False) for name in levels}
    tables = _pair_counts(codes, len(df))
    derived = {b if _is_function(counts) else a for (a, b), counts in tables.items()
               if _is_function(counts) or _is_function(counts.T)}  # of a 1:1 pair, the later column
    wide = [i for i, name in enumerate(numeric) if schema[name].kind == "continuous" or df[name].nunique() > DISCRETE_LEVELS]
    by = {name: value for name, value in codes.items() if name not in derived}
    return (
        _find_le(X, numeric, tolerance) + _find_le(D, dates, tolerance) + _find_sums(X, numeric)
        + _find_ranges(X[:, wide], [numeric[i] for i in wide], by) + _find_forbidden(codes, tables, len(df))
    )


def _candidates(df: pd.DataFrame, schema: "Schema") -> tuple[list[str], list[str], list[str]]:
    numeric, dates, levels = [], [], []
    for col in schema:
        if col.name not in df.columns or col.kind in ("id", "pii"):
            continue
        distinct = df[col.name].nunique(dropna=True)
        if col.kind in ("continuous", "integer", "datetime") and distinct >= 3:
            (dates if col.kind == "datetime" else numeric).append(col.name)
        if col.kind in ("categorical", "boolean") or (col.kind == "integer" and distinct <= DISCRETE_LEVELS):
            if 2 <= df[col.name].nunique(dropna=False) <= MAX_LEVELS:
                levels.append(col.name)
    return numeric[:MAX_NUMERIC], dates[:MAX_NUMERIC], levels[:MAX_DISCRETE]


def _find_le(X: np.ndarray, names: list[str], tolerance: float) -> list[Rule]:
    """``a <= b`` pairs (see the module docstring); one comparison of a column with all later ones at a time."""
    known = ~np.isnan(X)
    rules = []
    for i in range(len(names) - 1):
        a, rest = X[:, i : i + 1], X[:, i + 1 :]
        checked = (known[:, i : i + 1] & known[:, i + 1 :]).sum(axis=0)
        above, below = (a > rest).sum(axis=0), (a < rest).sum(axis=0)  # NaN compares False
        allowed = tolerance * checked
        for offset in np.flatnonzero((checked >= MIN_ROWS) & ((above <= allowed) != (below <= allowed))):
            j = i + 1 + offset
            left, right, broken = (i, j, above[offset]) if above[offset] <= allowed[offset] else (j, i, below[offset])
            if _chance_above(X[:, left], X[:, right]) >= MIN_CHANCE:
                rules.append(LessEqual(names[left], names[right], violations=float(broken / checked[offset]),
                                       checked=int(checked[offset])))
    return rules


def _chance_above(a: np.ndarray, b: np.ndarray) -> float:
    """P(A > B) for A and B drawn independently from the known values of two columns."""
    a, b = a[~np.isnan(a)], np.sort(b[~np.isnan(b)])
    if a.size > _CHANCE_SAMPLE:
        a = a[:: a.size // _CHANCE_SAMPLE + 1]
    return float(np.searchsorted(b, a, side="left").mean() / b.size)


def _find_sums(X: np.ndarray, names: list[str]) -> list[Rule]:
    """``a + b = c`` triples: screened on a few evenly spaced rows, then checked on all rows."""
    cols = list(range(min(len(names), MAX_SUM_COLUMNS)))
    if len(cols) < 3:
        return []
    first, second = np.triu_indices(len(cols), k=1)
    rows = np.unique(np.linspace(0, len(X) - 1, min(len(X), SCREEN_ROWS)).astype(np.int64))
    S = X[rows][:, cols]
    pairs = S[:, first] + S[:, second]  # (rows, pairs)
    total = S[:, :, None]  # (rows, columns, 1)
    with np.errstate(invalid="ignore"):
        close = np.abs(pairs[:, None, :] - total) <= SUM_RTOL * (np.abs(S[:, first]) + np.abs(S[:, second]))[:, None, :] \
            + SUM_RTOL * np.abs(total) + SUM_ATOL
    known = ~np.isnan(pairs)[:, None, :] & ~np.isnan(total)
    holds = (close | ~known).all(axis=0) & (known.sum(axis=0) >= min(len(rows), MIN_ROWS) // 2)
    rules = []
    for t, p in zip(*np.nonzero(holds)):
        i, j = first[p], second[p]
        if t in (i, j):
            continue
        rule = _checked_sum(X[:, i], X[:, j], X[:, t], (names[i], names[j]), names[t])
        if rule is not None:
            rules.append(rule)
    return rules


def _checked_sum(a: np.ndarray, b: np.ndarray, c: np.ndarray, terms: tuple[str, str], total: str) -> Rule | None:
    known = ~np.isnan(a) & ~np.isnan(b) & ~np.isnan(c)
    a, b, c = a[known], b[known], c[known]
    if a.size < MIN_ROWS:
        return None
    tolerance = SUM_RTOL * (np.abs(a) + np.abs(b) + np.abs(c)) + SUM_ATOL
    if min(np.ptp(a), np.ptp(b)) <= 1e3 * tolerance.max():
        return None  # a constant term, or one lost in the others' float64 rounding (values near 2**64)
    if np.any(np.abs(a + b - c) > tolerance):
        return None
    return SumOf(terms, total, violations=0.0, checked=int(a.size))


def _find_ranges(X: np.ndarray, names: list[str], codes: dict[str, tuple[np.ndarray, pd.Index]]) -> list[Rule]:
    """Per-level bounds of each number (see the module docstring): one groupby per level column."""
    if not names or not codes:
        return []
    known = ~np.isnan(X)
    sorted_values = [np.sort(X[known[:, k], k]) for k in range(len(names))]
    frame = pd.DataFrame(X, columns=range(len(names)))
    rules = []
    for by, (code, uniques) in codes.items():
        grouped = frame.groupby(code, sort=True)
        low, high, count = grouped.min().to_numpy(), grouped.max().to_numpy(), grouped.count().to_numpy()
        levels = np.asarray(grouped.size().index)
        for k, name in enumerate(names):
            values = sorted_values[k]
            if name == by or values.size == 0:
                continue
            below = np.searchsorted(values, low[:, k], side="left") / values.size
            above = (values.size - np.searchsorted(values, high[:, k], side="right")) / values.size
            use_low, use_high = _bound_holds(below, count[:, k]), _bound_holds(above, count[:, k])
            for g in np.flatnonzero(use_low | use_high):
                rules.append(RangeByCategory(name, by, json_value(uniques[levels[g]]),
                                             low=float(low[g, k]) if use_low[g] else None,
                                             high=float(high[g, k]) if use_high[g] else None,
                                             violations=0.0, checked=int(count[g, k])))
    return rules


def _bound_holds(outside: np.ndarray, rows: np.ndarray) -> np.ndarray:
    outside = np.minimum(outside, 1.0 - 1e-12)
    return (rows >= MIN_LEVEL_ROWS) & (outside >= MIN_OUTSIDE) & (rows * -np.log1p(-outside) >= CONFIDENCE)


def _pair_counts(codes: dict[str, tuple[np.ndarray, pd.Index]], n_rows: int) -> dict[tuple[str, str], np.ndarray]:
    """Cross-tabulated counts of each pair of level columns (one ``bincount`` per pair).

    A pair with no two levels frequent enough to be expected together
    """
    names = list(codes)
    tables = {}
    for i, a in enumerate(names):
        ca, ua = codes[a]
        for b in names[i + 1 :]:
            cb, ub = codes[b]
            tables[(a, b)] = np.bincount(ca * len(ub) + cb, minlength=len(ua) * len(ub)).reshape(len(ua), len(ub))
    return tables


def _is_function(counts: np.ndarray) -> bool:
    """Whether the column of the table's columns is a function of the column of its rows."""
    return bool(((counts > 0).sum(axis=1) <= 1).all())


def _find_forbidden(codes: dict[str, tuple[np.ndarray, pd.Index]], tables: dict[tuple[str, str], np.ndarray],
                    n_rows: int) -> list[Rule]:
    """Pairs of levels never seen together though independence expects them (from :func:`_pair_counts`)."""
    found: list[tuple[float, int, Rule]] = []
    for (a, b), counts in tables.items():
        if _is_function(counts) or _is_function(counts.T):
            continue  # one column is a function of the other: the encoder keeps that exactly
        expected = np.outer(counts.sum(axis=1), counts.sum(axis=0)) / n_rows
        ua, ub = codes[a][1], codes[b][1]
        for x, y in zip(*np.nonzero((counts == 0) & (expected >= MIN_EXPECTED))):
            rule = ForbiddenCombination((a, b), (json_value(ua[x]), json_value(ub[y])), violations=0.0, checked=n_rows)
            found.append((-float(expected[x, y]), len(found), rule))
    kept = sorted(found, key=lambda item: item[:2])[:MAX_FORBIDDEN]
    return [rule for _, _, rule in sorted(kept, key=lambda item: item[1])]
