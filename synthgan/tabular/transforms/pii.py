"""Identifier columns (kind ``"pii"``): filled with fakes, never learned from their values.

Two transformers, chosen by the encoder's ``pii`` option:

* :class:`FakeIdentifiers` (``pii="fake"``, the default): the model does not see the column;
  every synthetic row gets a fresh fake (:class:`~synthgan.tabular.pii_fakes.FakeMaker`),
  missing as often as in the data.
* :class:`ConsistentIdentifiers` (``pii="consistent"``): who recurs is learned, not who they
  are. Values that occur more than once become anonymous codes in order of first appearance
  (``"0"``, ``"1"`` ...; at most ``max_categories``; values seen once, and the rest, share the
  code ``"*"``), which the model learns like a category, so a customer's rows keep their
  relation to the other columns. Each code maps to one fake, drawn at fit: the same code is
  the same fake in every output. ``"*"`` gets a fresh fake per row.

Neither stores a real value: the state holds pools and shapes of fakes, and codes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from synthgan.errors import ConfigError
from synthgan.tabular.pii_fakes import FakeMaker
from synthgan.tabular.transforms.base import UnlearnedColumn
from synthgan.tabular.transforms.onehot import OneHotEncoder
from synthgan.tabular.transforms.values import restore_series

FRESH = "*"  # the code of values that are not kept as recurring identities


def _fakes(maker: FakeMaker, n: int, missing: np.ndarray, col, index: pd.Index, rng: np.random.Generator) -> pd.Series:
    values = np.array(maker.make(n, rng), dtype=object)  # writable
    values[missing] = np.nan
    return restore_series(values, col, index)


class FakeIdentifiers(UnlearnedColumn):
    """Fresh fakes for a ``"pii"`` column; the model never sees it."""

    name = "pii_fake"

    def __init__(self, col, *, locale: str = "en_US"):
        super().__init__(col)
        self.locale = locale

    def fit(self, s: pd.Series, rng: np.random.Generator) -> "FakeIdentifiers":
        self.missing_share_ = float(s.isna().mean()) if len(s) else 0.0
        self.maker_ = FakeMaker.learn(self.col.pii, s, locale=self.locale, seed=int(rng.integers(2**62)))
        return self

    def inverse(self, block: np.ndarray, rng: np.random.Generator, index: pd.Index, codes: list[np.ndarray] | None = None) -> pd.Series:
        n = block.shape[0]
        missing = rng.random(n) < self.missing_share_ if self.missing_share_ > 0 else np.zeros(n, bool)
        return _fakes(self.maker_, n, missing, self.col, index, rng)

    def get_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        return {"missing_share": self.missing_share_, "maker": self.maker_.get_state()}, {}

    def set_state(self, state: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        self.missing_share_ = float(state["missing_share"])
        self.maker_ = FakeMaker.from_state(state["maker"])


class ConsistentIdentifiers(OneHotEncoder):
    """Recurring identities as anonymous codes learned like a category, each code one fixed fake."""

    name = "pii_consistent"

    def __init__(self, col, *, locale: str = "en_US", max_categories: int = 100, min_share: float = 0.0):
        super().__init__(col, max_categories=max_categories, min_share=min_share)
        self.locale = locale

    def _codes(self, s: pd.Series) -> pd.Series:
        if not hasattr(self, "_code_of"):
            raise ConfigError(f"column '{self.col.name}': a loaded model cannot encode identifier values "
                              "(it keeps no real value); fit the model again on the data")
        codes = s.astype(object).map(self._code_of).astype(object)
        codes[s.notna().to_numpy() & codes.isna().to_numpy()] = FRESH
        return codes

    def fit(self, s: pd.Series, rng: np.random.Generator) -> "ConsistentIdentifiers":
        counts = s.dropna().astype(object).value_counts(sort=False)  # order of first appearance
        recurring = counts[counts > 1]
        recurring = recurring[recurring.rank(method="first", ascending=False) <= self.max_categories - 1]
        self._code_of = {value: str(i) for i, value in enumerate(recurring.index)}
        super().fit(self._codes(s), rng)
        self.maker_ = FakeMaker.learn(self.col.pii, s, locale=self.locale, seed=int(rng.integers(2**62)))
        drawn = pd.unique(self.maker_.make(4 * len(self._code_of) + 8, rng))
        self.fakes_ = [str(v) for v in drawn[: len(self._code_of)]]
        return self

    def transform(self, s: pd.Series, rng: np.random.Generator) -> np.ndarray:
        return super().transform(self._codes(s), rng)

    def inverse(self, block: np.ndarray, rng: np.random.Generator, index: pd.Index, codes: list[np.ndarray] | None = None) -> pd.Series:
        table, positions = self.levels_.decode_positions(block.argmax(axis=1) if codes is None else codes[0], rng)
        decoded = pd.Series(np.asarray(table, dtype=object)[positions], dtype=object)
        fixed = pd.Series(self.fakes_, index=[str(i) for i in range(len(self.fakes_))], dtype=object)
        values = np.array(decoded.map(fixed).to_numpy(dtype=object), dtype=object)
        fresh = (decoded == FRESH).to_numpy()
        if fresh.any():
            values[fresh] = self.maker_.make(int(fresh.sum()), rng)
        values[decoded.isna().to_numpy()] = np.nan
        return restore_series(values, self.col, index)

    def get_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        state, arrays = super().get_state()
        return {**state, "maker": self.maker_.get_state(), "fakes": list(self.fakes_)}, arrays

    def set_state(self, state: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        levels = {k: v for k, v in state.items() if k not in ("maker", "fakes")}
        super().set_state(levels, arrays)
        self.maker_ = FakeMaker.from_state(state["maker"])
        self.fakes_ = [str(v) for v in state["fakes"]]
