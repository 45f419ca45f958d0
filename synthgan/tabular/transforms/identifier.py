"""Identifier columns: never learned, regenerated as fresh unique keys.

Synthetic keys are unique and disjoint from every training key by construction:
integer keys count up from above the training maximum; text keys carry a prefix
that no training key starts with. Only the maximum / the prefix is stored, never
the training keys themselves. Keys are numbered by row, so decoding batches with
disjoint ``id_offset`` ranges keeps keys unique across batches.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from synthgan.tabular.transforms.base import UnlearnedColumn
from synthgan.tabular.transforms.values import restore_series, to_float

_PREFIXES = ("syn-", "syn_", "synthetic-", "synthgan-")
_DIGITS = 8  # text keys are prefix + zero-padded row number, e.g. "syn-00000042"


class IdentifierGenerator(UnlearnedColumn):
    """Fresh unique keys for an ``"id"`` column (numeric or text)."""

    name = "identifier"

    def fit(self, s: pd.Series, rng: np.random.Generator) -> "IdentifierGenerator":
        numeric = pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype)
        self.numeric_ = bool(numeric)
        self.missing_share_ = float(s.isna().mean()) if len(s) else 0.0
        if self.numeric_:
            x = to_float(s, self.col)
            self.start_ = float(np.nanmax(x)) + 1.0 if np.isfinite(x).any() else 0.0
            self.prefix_ = ""
        else:
            self.start_ = 0.0
            self.prefix_ = _free_prefix(s.dropna().astype(str))
        return self

    def inverse(self, block: np.ndarray, rng: np.random.Generator, index: pd.Index, codes: list[np.ndarray] | None = None) -> pd.Series:
        return self.keys(block.shape[0], rng, index)

    def keys(self, n: int, rng: np.random.Generator, index: pd.Index, offset: int = 0) -> pd.Series:
        """``n`` keys for rows ``offset .. offset + n - 1``: calls with disjoint row ranges never collide."""
        numbers = offset + np.arange(n, dtype=np.int64)
        missing = rng.random(n) < self.missing_share_ if self.missing_share_ > 0 else np.zeros(n, bool)
        if self.numeric_:
            keys = self.start_ + numbers.astype(np.float64)
            keys[missing] = np.nan
            return restore_series(keys, self.col, index)
        text = np.char.add(self.prefix_, np.char.zfill(numbers.astype(str), _DIGITS)).astype(object)
        text[missing] = np.nan
        return restore_series(text, self.col, index)

    def get_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        state = {"numeric": self.numeric_, "start": self.start_, "prefix": self.prefix_, "missing_share": self.missing_share_}
        return state, {}

    def set_state(self, state: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        self.numeric_ = bool(state["numeric"])
        self.start_ = float(state["start"])
        self.prefix_ = str(state["prefix"])
        self.missing_share_ = float(state["missing_share"])


def _free_prefix(keys: pd.Series) -> str:
    """A prefix no training key starts with (extended until free)."""
    for prefix in _PREFIXES:
        if not keys.str.startswith(prefix).any():
            return prefix
    prefix = _PREFIXES[0]
    while keys.str.startswith(prefix).any():
        prefix += "x"
    return prefix
