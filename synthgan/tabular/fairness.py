"""Fair generation: synthetic rows in which a target is independent of a sensitive column.

``Synthesizer(fair_target="income", fair_sensitive="sex")`` learns the table as usual and
records the real marginal shares of both columns. Sampling then draws each row's
(sensitive, target) cell from the *product* of those marginals, so in the synthetic table
the target is independent of the sensitive column while each keeps its real marginal
(the same rate of high incomes overall, the same share of women), and generates the rest
of the row conditioned on the cell (exact conditions, see
:mod:`synthgan.tabular.conditions`). A model trained on such data cannot learn the real
association of the target with the group, directly or through proxies, which is the
pre-processing idea of Kamiran and Calders' reweighing done by the generator instead of
by weights.

Only the marginal shares are stored (values of two categorical columns and their
frequencies), in the model file's manifest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from synthgan.errors import ConditionError, ConfigError

__all__ = ["FairCells", "MAX_LEVELS"]

MAX_LEVELS = 50  # levels of the target or the sensitive column at most
_FAIR_KINDS = ("categorical", "boolean", "integer")


def _shares(s: pd.Series) -> tuple[list[Any], np.ndarray]:
    counts = s.dropna().value_counts()
    if _sortable(counts.index):
        counts = counts.sort_index()
    values = [v.item() if hasattr(v, "item") else v for v in counts.index]
    return values, (counts.to_numpy(dtype=np.float64) / counts.sum())


def _sortable(index: pd.Index) -> bool:
    try:
        index.sort_values()
    except TypeError:
        return False
    return True


@dataclass(frozen=True)
class FairCells:
    """The real marginals of a target and a sensitive column, and how rows are spread over their cells.

    Parameters
    ----------
    target, sensitive : str
        Column names.
    target_levels, sensitive_levels : list
        Their observed values (missing values are not a level: rows get a value).
    target_p, sensitive_p : tuple of float
        Real shares of each level.
    """

    target: str
    sensitive: str
    target_levels: list
    sensitive_levels: list
    target_p: tuple
    sensitive_p: tuple

    @staticmethod
    def check_params(target: Any, sensitive: Any) -> None:
        """Raise ConfigError unless both are given (or neither), as two different column names."""
        if (target is None) != (sensitive is None):
            raise ConfigError("fair generation needs both fair_target and fair_sensitive (--fair-target, --fair-sensitive)")
        if target is not None and (not isinstance(target, str) or not isinstance(sensitive, str) or target == sensitive):
            raise ConfigError(f"fair_target and fair_sensitive must be two different column names, got {target!r} and {sensitive!r}")

    @classmethod
    def learn(cls, data: pd.DataFrame, schema, target: str, sensitive: str, conditionable: list[str]) -> "FairCells":
        """The marginals of ``target`` and ``sensitive`` in ``data``; both must be conditionable discrete columns."""
        for role, name in (("fair_target", target), ("fair_sensitive", sensitive)):
            if name not in data.columns:
                raise ConfigError(f"{role}={name!r} is not a column of the table; choose one of {', '.join(map(str, data.columns))}")
            kind = schema[name].kind
            levels = data[name].nunique()
            if kind not in _FAIR_KINDS or name not in conditionable or levels > MAX_LEVELS or levels < 2:
                raise ConfigError(f"{role}={name!r} must be a categorical, boolean or integer column with 2 to "
                                  f"{MAX_LEVELS} values that sampling can condition on (it is {kind} with {levels} values)")
        t_levels, t_p = _shares(data[target])
        s_levels, s_p = _shares(data[sensitive])
        return cls(target, sensitive, t_levels, s_levels, tuple(np.round(t_p, 12)), tuple(np.round(s_p, 12)))

    def cells(self, conditions: dict[str, Any], typed: dict[str, Any]) -> list[tuple[dict[str, Any], float]]:
        """``[(conditions of one cell, its share), ...]`` under the user's ``conditions``.

        ``typed`` holds the user's conditions read by each column's type; a condition on
        the target or the sensitive column keeps only its cells (shares renormalised).
        """
        out = []
        for t, pt in zip(self.target_levels, self.target_p):
            for s, ps in zip(self.sensitive_levels, self.sensitive_p):
                if self.target in typed and typed[self.target] != t:
                    continue
                if self.sensitive in typed and typed[self.sensitive] != s:
                    continue
                out.append(({**conditions, self.target: t, self.sensitive: s}, pt * ps))
        total = sum(p for _, p in out)
        if not out or total <= 0:
            raise ConditionError(f"no ({self.target}, {self.sensitive}) cell meets the conditions {conditions!r}")
        return [(c, p / total) for c, p in out]

    def counts(self, n: int, shares: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Rows per cell for ``n`` rows: a multinomial draw over the cells' shares."""
        return rng.multinomial(n, shares / shares.sum())

    def to_state(self) -> dict[str, Any]:
        """JSON-safe state for the model file."""
        return {"target": self.target, "sensitive": self.sensitive, "target_levels": list(self.target_levels),
                "sensitive_levels": list(self.sensitive_levels), "target_p": list(self.target_p),
                "sensitive_p": list(self.sensitive_p)}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> "FairCells":
        """Rebuild from :meth:`to_state` output."""
        return cls(str(state["target"]), str(state["sensitive"]), list(state["target_levels"]),
                   list(state["sensitive_levels"]), tuple(float(p) for p in state["target_p"]),
                   tuple(float(p) for p in state["sensitive_p"]))
