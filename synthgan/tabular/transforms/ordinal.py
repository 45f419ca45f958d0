"""Ordinal encoding for the Gaussian copula: one identity column per learnable column.

Numeric columns pass through as numbers (NaN when missing) and are clipped and
rounded back to the column's range and resolution on decoding; categorical
columns become their level code (NaN when missing; ``n_categories`` codes).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from synthgan.tabular.transforms.base import ColumnTransformer, SpanShape
from synthgan.tabular.transforms.levels import LevelsTransformer
from synthgan.tabular.transforms.numeric import NumericFormat, Scaling
from synthgan.tabular.transforms.values import restore_series, to_float


class OrdinalNumeric(ColumnTransformer):
    """A continuous, integer or datetime column as one numeric value."""

    name = "ordinal_numeric"

    def fit(self, s: pd.Series, rng: np.random.Generator) -> "OrdinalNumeric":
        x = to_float(s, self.col)
        self.format_ = NumericFormat.learn(x[~np.isnan(x)], self.col.kind, s)
        self.scaling_ = Scaling.learn(self.format_.low, self.format_.high)
        self.has_missing_ = bool(np.isnan(x).any())
        return self

    def spans(self) -> list[SpanShape]:
        return [SpanShape(1, "identity", "ordinal", 0)]

    def transform(self, s: pd.Series, rng: np.random.Generator) -> np.ndarray:
        return self.scaling_.forward(to_float(s, self.col)).astype(np.float32)[:, None]

    def inverse(self, block: np.ndarray, rng: np.random.Generator, index: pd.Index, codes: list[np.ndarray] | None = None) -> pd.Series:
        x = self.scaling_.backward(block[:, 0].astype(np.float64))
        if not self.has_missing_:
            x = np.where(np.isnan(x), self.format_.low / 2 + self.format_.high / 2, x)
        return restore_series(self.format_.apply(x), self.col, index, bounds=self.format_.bounds)

    def get_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        state = {"format": self.format_.to_dict(), "has_missing": self.has_missing_}
        if not self.scaling_.is_identity:
            state["scaling"] = self.scaling_.to_dict()
        return state, {}

    def set_state(self, state: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        self.format_ = NumericFormat(**state["format"])
        self.scaling_ = Scaling(**state.get("scaling", {}))
        self.has_missing_ = bool(state["has_missing"])


class OrdinalCategories(LevelsTransformer):
    """A categorical or boolean column as its level code (codes by training frequency)."""

    name = "ordinal_categories"

    def spans(self) -> list[SpanShape]:
        return [SpanShape(1, "identity", "ordinal", self.levels_.n_levels)]

    def transform(self, s: pd.Series, rng: np.random.Generator) -> np.ndarray:
        codes = self.levels_.encode(s).astype(np.float32)
        if self.levels_.has_missing:
            codes[codes == self.levels_.missing_code] = np.nan
        codes[codes < 0] = np.nan
        return codes[:, None]

    def inverse(self, block: np.ndarray, rng: np.random.Generator, index: pd.Index, codes: list[np.ndarray] | None = None) -> pd.Series:
        x = block[:, 0].astype(np.float64)
        missing = np.isnan(x)
        codes = np.clip(np.round(np.nan_to_num(x)), 0, self.levels_.n_levels - 1).astype(np.int64)
        if self.levels_.has_missing:
            codes[missing] = self.levels_.missing_code
        return restore_series(self.levels_.decode(codes, rng), self.col, index)
