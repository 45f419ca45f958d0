"""One-hot encoding of a categorical, boolean or low-cardinality integer column.

Emits one ``"category"`` softmax span over the learned levels (see
:class:`~synthgan.tabular.transforms.levels.CategoryLevels`), plus "other" and
"missing" codes when needed. Decoding takes the argmax, so model outputs holding
probabilities and exact one-hot rows both work.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from synthgan.tabular.transforms.base import SpanShape, one_hot
from synthgan.tabular.transforms.levels import LevelsTransformer
from synthgan.tabular.transforms.values import restore_from_table


class OneHotEncoder(LevelsTransformer):
    """Categories as one softmax span (parameters: see :class:`LevelsTransformer`)."""

    name = "one_hot"

    def spans(self) -> list[SpanShape]:
        n = self.levels_.n_codes
        return [SpanShape(n, "softmax", "category", n)]

    def transform(self, s: pd.Series, rng: np.random.Generator) -> np.ndarray:
        codes = self.levels_.encode(s)
        codes[codes < 0] = 0  # missing in new data but not in training: no such category
        return one_hot(codes, self.levels_.n_codes)

    def inverse(self, block: np.ndarray, rng: np.random.Generator, index: pd.Index, codes: list[np.ndarray] | None = None) -> pd.Series:
        table, positions = self.levels_.decode_positions(block.argmax(axis=1) if codes is None else codes[0], rng)
        return restore_from_table(table, positions, self.col, index)
