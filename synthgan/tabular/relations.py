"""Relations between columns that the encoder keeps exactly: which to look for, and how to apply them.

Two kinds, each found by its own module:

* :mod:`synthgan.tabular.dependencies`: a discrete column that is a function of
  another (Adult's ``education_num`` of ``education``) is not learned but
  re-derived from its parent after decoding;
* :mod:`synthgan.tabular.ties`: a frequent value of one column that marks the same
  rows as a frequent value of another (bank's ``pdays = -1`` and ``previous = 0``);
  the child's value follows the parent's after decoding, so no synthetic row breaks
  the relation.

This module decides which columns take part in each search and applies both
kinds to a table: :func:`impute_tied` before encoding, :func:`restore_relations`
after decoding.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from synthgan.tabular.dependencies import Dependency, find_dependencies
from synthgan.tabular.schema import Schema
from synthgan.tabular.ties import EventTie, find_ties
from synthgan.tabular.transforms.values import restore_series

_TIE_KINDS = ("categorical", "boolean", "integer", "continuous")
_PREFERRED_PARENT_KINDS = ("categorical", "boolean")


@dataclass
class Relations:
    """Dependencies and ties found in one table (both lists in table order of their children)."""

    dependencies: list[Dependency] = field(default_factory=list)
    ties: list[EventTie] = field(default_factory=list)

    @property
    def derived(self) -> set[str]:
        """Columns re-derived from a parent (they get no transformer)."""
        return {d.child for d in self.dependencies}


def find_relations(df: pd.DataFrame, schema: Schema, discrete: list[str]) -> Relations:
    """Dependencies among the ``discrete`` columns, then ties among the columns left to learn.

    Parameters
    ----------
    df : pandas.DataFrame
        Training data.
    schema : Schema
        Its (completed) schema.
    discrete : list of str
        Non-constant discrete columns in table order (the only dependency candidates).

    Returns
    -------
    Relations
        Derived columns take no part in ties, and parents of derived columns are
        never tie children (their values must stay learned for the derivation).
    """
    dependencies = find_dependencies(df, discrete)
    derived = {d.child for d in dependencies}
    parents = {d.parent for d in dependencies}
    columns = [c.name for c in schema if c.kind in _TIE_KINDS and c.name not in derived]
    preferred = {c.name for c in schema if c.kind in _PREFERRED_PARENT_KINDS}
    ties = find_ties(df, columns, preferred, excluded_children=parents)
    return Relations(dependencies, ties)


def impute_tied(df: pd.DataFrame, ties: list[EventTie], rng: np.random.Generator) -> pd.DataFrame:
    """``df`` with every tied child's event cells replaced by its other values.

    The model then never learns (or produces) the child's event value on its own.

    Parameters
    ----------
    df : pandas.DataFrame
    ties : list of EventTie
    rng : numpy.random.Generator
        Source of the replacement draws.

    Returns
    -------
    pandas.DataFrame
        ``df`` itself when no tie applies, else a changed copy.
    """
    present = [t for t in ties if t.child in df.columns]
    if not present:
        return df
    df = df.copy()
    for tie in present:
        df[tie.child] = tie.impute(df[tie.child], rng)
    return df


def restore_relations(columns: dict[str, pd.Series], relations: Relations, schema: Schema, index: pd.Index) -> None:
    """Fill in derived columns and apply ties to decoded ``columns`` (in place).

    Parameters
    ----------
    columns : dict of str to pandas.Series
        Decoded columns by name; derived columns are added.
    relations : Relations
    schema : Schema
        Gives each derived column's dtype.
    index : pandas.Index
        Index of the decoded rows.
    """
    for dep in relations.dependencies:
        columns[dep.child] = restore_series(dep.derive(columns[dep.parent]), schema[dep.child], index)
    for tie in relations.ties:
        columns[tie.child] = tie.apply(columns[tie.child], columns[tie.parent])
