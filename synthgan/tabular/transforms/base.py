"""The interface of a reversible per-column transformer.

A transformer is fitted on one column and turns it into a float32 block of the
encoded matrix (described by :class:`SpanShape` entries), and a block back into a
column with the input dtype. Its learned state is a JSON-safe dict plus numeric
arrays, so an encoder is saved without pickling.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from synthgan.tabular.schema import ColumnSchema


@dataclass(frozen=True)
class SpanShape:
    """The shape of one block of encoded columns a transformer outputs, before placement.

    Not to be confused with :class:`~synthgan.tabular.layout.Span` (a placed block of
    the layout, with its start and end in the matrix) or ``SpanOps`` (the fused torch
    index tensors the models build from the layout).

    Parameters
    ----------
    width : int
        Number of encoded columns.
    activation : {"tanh", "softmax", "identity"}
        Output activation the models apply to the block.
    role : {"value", "component", "category", "ordinal"}
        What the block holds.
    n_categories : int, default=0
        Categories of a softmax block (or levels of an ordinal code); 0 otherwise.
    """

    width: int
    activation: str
    role: str
    n_categories: int = 0


class ColumnTransformer(ABC):
    """Reversible encoding of one column.

    Subclasses set ``name`` (the key used in saved state), implement the
    methods below, and keep all learned state in attributes set by ``fit``.
    """

    name: ClassVar[str]

    def __init__(self, col: ColumnSchema):
        self.col = col

    @abstractmethod
    def fit(self, s: pd.Series, rng: np.random.Generator) -> "ColumnTransformer":
        """Learn from the column ``s``; ``rng`` is the only source of randomness."""

    @abstractmethod
    def spans(self) -> list[SpanShape]:
        """The spans of this column's block, in order (empty when nothing is learned)."""

    @abstractmethod
    def transform(self, s: pd.Series, rng: np.random.Generator) -> np.ndarray:
        """Encode ``s`` as float32 of shape ``(len(s), width)``."""

    @abstractmethod
    def inverse(self, block: np.ndarray, rng: np.random.Generator, index: pd.Index, codes: list[np.ndarray] | None = None) -> pd.Series:
        """Decode a block (model output or :meth:`transform` output) into a column.

        ``codes``, when given, holds the category of every row in each of this block's
        softmax spans (in span order), known from exact one-hot rows; transformers with
        softmax spans then skip their argmax.
        """

    @abstractmethod
    def get_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """Learned state: a JSON-safe dict and named numeric arrays."""

    @abstractmethod
    def set_state(self, state: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        """Restore what :meth:`get_state` returned."""

    @property
    def width(self) -> int:
        return sum(s.width for s in self.spans())


class UnlearnedColumn(ColumnTransformer):
    """A column the model does not see (constant, identifier): no spans, an empty block."""

    def spans(self) -> list[SpanShape]:
        return []

    def transform(self, s: pd.Series, rng: np.random.Generator) -> np.ndarray:
        return np.empty((len(s), 0), dtype=np.float32)


def one_hot(codes: np.ndarray, width: int) -> np.ndarray:
    """float32 one-hot rows of integer ``codes`` in ``[0, width)``."""
    out = np.zeros((codes.size, width), dtype=np.float32)
    out[np.arange(codes.size), codes] = 1.0
    return out
