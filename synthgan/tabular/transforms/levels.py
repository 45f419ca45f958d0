"""The learned levels of a discrete column, with an "other" bucket for rare and surplus levels.

Levels are ordered by training frequency (ties: first appearance). At most
``max_categories`` levels with a share of at least ``min_share`` are kept; the rest
share one "other" code, decoded by drawing from their empirical distribution, so
a 50,000-level column costs ``max_categories + 1`` codes, not 50,000. A bucket of a
single level is pointless, so that level is kept instead. Codes are
``[kept levels..., other (if any), missing (if any)]``. Only training levels are
ever produced.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from synthgan.tabular.transforms.base import ColumnTransformer
from synthgan.tabular.transforms.values import to_python

_EXACT_FLOAT_INTEGERS = 2**53


@dataclass
class CategoryLevels:
    """Kept levels, bucketed levels with their probabilities, and whether missing occurs."""

    kept: list = field(default_factory=list)
    bucket: list = field(default_factory=list)
    bucket_p: np.ndarray = field(default_factory=lambda: np.empty(0))
    has_missing: bool = False

    @classmethod
    def learn(cls, s: pd.Series, *, max_categories: int = 100, min_share: float = 0.0) -> "CategoryLevels":
        """Learn the levels of ``s`` (missing cells are not a level)."""
        codes, uniques = pd.factorize(s, use_na_sentinel=True)
        valid = codes[codes >= 0]
        counts = np.bincount(valid, minlength=len(uniques))
        order = np.argsort(-counts, kind="stable")
        levels = [to_python(v) for v in np.asarray(uniques, dtype=object)[order]]
        counts = counts[order]
        share = counts / max(valid.size, 1)
        n_keep = int(min(max_categories, np.sum(share >= min_share)))
        if len(levels) - n_keep == 1 and n_keep < max_categories:
            n_keep += 1
        bucket_counts = counts[n_keep:].astype(np.float64)
        return cls(
            kept=levels[:n_keep],
            bucket=levels[n_keep:],
            bucket_p=bucket_counts / bucket_counts.sum() if bucket_counts.size else np.empty(0),
            has_missing=bool((codes < 0).any()),
        )

    @property
    def n_levels(self) -> int:
        """Codes for values: kept levels plus the "other" bucket."""
        return len(self.kept) + int(bool(self.bucket))

    @property
    def n_codes(self) -> int:
        """All codes, including "missing"."""
        return self.n_levels + int(self.has_missing)

    @property
    def other_code(self) -> int | None:
        return len(self.kept) if self.bucket else None

    @property
    def missing_code(self) -> int | None:
        return self.n_levels if self.has_missing else None

    def encode(self, s: pd.Series) -> np.ndarray:
        """int64 code of each value; missing -> the missing code, or -1 when training had none.

        Unseen values go to "other" when there is a bucket, else to the most frequent level.
        """
        missing = s.isna().to_numpy()
        levels = self.kept + self.bucket
        if self._numeric_levels() and self._exact_in_float() and pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
            pos = _numeric_positions(np.asarray(levels, dtype=np.float64), s.to_numpy(dtype=np.float64, na_value=np.nan))
        else:
            pos = pd.Index(levels, dtype=object).get_indexer(s.to_numpy(dtype=object, na_value=None))
        codes = np.where(pos >= len(self.kept), len(self.kept), pos)
        unseen = (pos < 0) & ~missing
        codes[unseen] = self.other_code if self.bucket else 0
        codes[missing] = self.missing_code if self.has_missing else -1
        return codes.astype(np.int64)

    def decode(self, codes: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Levels for ``codes`` ("other" drawn from the bucket, missing NaN): float64 when all
        levels are numbers (fast dtype restoration), else an object array."""
        table, positions = self.decode_positions(codes, rng)
        return table[positions]

    def decode_positions(self, codes: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`decode` as ``(table, positions)``: ``table[positions]`` are the levels.

        ``table`` holds the kept levels, then the bucketed ones, then NaN (missing);
        building a string column from it is one ``take`` instead of a pass over objects.
        """
        dtype = np.float64 if self._numeric_levels() and self._exact_in_float() else object
        n_kept, n_bucket = len(self.kept), len(self.bucket)
        table = np.empty(n_kept + n_bucket + 1, dtype=dtype)
        table[:n_kept] = self.kept
        table[n_kept : n_kept + n_bucket] = self.bucket
        table[-1] = np.nan
        codes = np.clip(codes, 0, self.n_codes - 1)
        positions = np.where(codes < n_kept, codes, n_kept + n_bucket)  # missing, until "other" is drawn below
        if self.bucket:
            other = np.flatnonzero(codes == self.other_code)
            positions[other] = n_kept + rng.choice(n_bucket, size=other.size, p=self.bucket_p)
        return table, positions

    def _numeric_levels(self) -> bool:
        levels = self.kept + self.bucket
        return bool(levels) and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in levels)

    def _exact_in_float(self) -> bool:
        """Whether float64 holds every level exactly (integers beyond 2**53 it rounds)."""
        return all(not isinstance(v, int) or abs(v) <= _EXACT_FLOAT_INTEGERS for v in self.kept + self.bucket)

    def code_of(self, value: Any) -> int | None:
        """Code of a training level (a bucketed level gives the "other" code), else None."""
        for levels, code in ((self.kept, None), (self.bucket, self.other_code)):
            for i, level in enumerate(levels):
                if same_level(level, value):
                    return i if code is None else code
        return None

    def get_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        state = {"kept": self.kept, "bucket": self.bucket, "has_missing": self.has_missing}
        return state, {"bucket_p": np.asarray(self.bucket_p, dtype=np.float64)}

    @classmethod
    def from_state(cls, state: dict[str, Any], arrays: dict[str, np.ndarray]) -> "CategoryLevels":
        return cls(list(state["kept"]), list(state["bucket"]), arrays["bucket_p"], bool(state["has_missing"]))


def same_level(level: Any, value: Any) -> bool:
    """Exact match first; then text match, so "13" finds the integer level 13 (CLI input)."""
    if type(level) is type(value) or (isinstance(level, (int, float)) and isinstance(value, (int, float))):
        if level == value:
            return True
    return str(level) == str(value)


def _numeric_positions(levels: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Index of each ``x`` in the (unsorted) ``levels``, -1 where absent or NaN."""
    order = np.argsort(levels, kind="stable")
    ranked = levels[order]
    pos = np.clip(np.searchsorted(ranked, x), 0, ranked.size - 1)
    return np.where(ranked[pos] == x, order[pos], -1)


class LevelsTransformer(ColumnTransformer):
    """Base of transformers that learn :class:`CategoryLevels` (one-hot and ordinal codes).

    Parameters
    ----------
    col : ColumnSchema
        The column.
    max_categories : int
        Levels kept at most; the rest share the "other" code.
    min_share : float
        Levels rarer than this share go to the "other" code.
    """

    def __init__(self, col, *, max_categories: int = 100, min_share: float = 0.0):
        super().__init__(col)
        self.max_categories = max_categories
        self.min_share = min_share

    def fit(self, s: pd.Series, rng: np.random.Generator) -> "LevelsTransformer":
        self.levels_ = CategoryLevels.learn(s, max_categories=self.max_categories, min_share=self.min_share)
        return self

    def get_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        return self.levels_.get_state()

    def set_state(self, state: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        self.levels_ = CategoryLevels.from_state(state, arrays)
