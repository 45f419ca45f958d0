"""Columns with a single value (or all missing): nothing to learn, written back as is."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from synthgan.tabular.transforms.base import UnlearnedColumn
from synthgan.tabular.transforms.numeric import integer_bounds
from synthgan.tabular.transforms.values import restore_series, to_float, to_python


class ConstantColumn(UnlearnedColumn):
    """Repeats the column's only value; an all-missing column stays all missing.

    Numeric kinds keep the value as a float (datetimes as epoch seconds) so it is
    JSON-safe and goes back through the same dtype restoration as learned columns.
    """

    name = "constant"

    def fit(self, s: pd.Series, rng: np.random.Generator) -> "ConstantColumn":
        bounds = integer_bounds(s)
        if bounds is not None:  # exact, also beyond 2**53 (float64 would round 2**64 - 1 up)
            self.value_ = bounds[0]
        elif self.col.is_numeric:
            x = to_float(s, self.col)
            x = x[~np.isnan(x)]
            self.value_ = float(x[0]) if x.size else None
        else:
            present = s.dropna()
            self.value_ = to_python(present.iloc[0]) if len(present) else None
        return self

    def inverse(self, block: np.ndarray, rng: np.random.Generator, index: pd.Index, codes: list[np.ndarray] | None = None) -> pd.Series:
        n = block.shape[0]
        fill = np.nan if self.value_ is None else self.value_
        if isinstance(self.value_, int) and not isinstance(self.value_, bool):
            bounds = (self.value_, self.value_)
            return restore_series(np.full(n, float(self.value_)), self.col, index, bounds=bounds)
        if self.col.is_numeric:
            return restore_series(np.full(n, fill, dtype=np.float64), self.col, index)
        values = np.empty(n, dtype=object)
        values[:] = fill
        return restore_series(values, self.col, index)

    def get_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        return {"value": self.value_}, {}

    def set_state(self, state: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        self.value_ = state["value"]
