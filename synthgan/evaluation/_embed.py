"""A numeric embedding of table rows for distance-based metrics (privacy, diversity, detection).

Continuous columns are standardised with the real table's mean and standard
deviation (missing -> 0 plus a missing-indicator when the real column has gaps);
categorical columns are one-hot over the real table's most frequent categories,
with an "other" slot for rare or unseen values and a "missing" slot. One-hot
entries are scaled by 1/sqrt(2) so that a category mismatch adds 1 to the squared
distance, the same as a one-standard-deviation difference.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from synthgan.evaluation._prep import CONTINUOUS, comparable_values, numeric_values

_ONE_HOT = 1.0 / np.sqrt(2.0)
_CLIP = 1e6  # standardised values beyond a million standard deviations are all "very far"


def _mean_std(present: np.ndarray) -> tuple[float, float]:
    """Mean and standard deviation computed on a rescaled copy, so values near 1e308 do not overflow (std > 0)."""
    if not present.size:
        return 0.0, 1.0
    scale = float(np.max(np.abs(present)))
    if scale == 0.0:
        return 0.0, 1.0
    scaled = present / scale
    mean, std = float(scaled.mean()) * scale, float(scaled.std()) * scale
    return mean, (std if std > 0 and np.isfinite(std) else 1.0)


class Embedding:
    """Fit on the real table once; :meth:`transform` any table with the same columns.

    Parameters
    ----------
    real : DataFrame
        The table whose statistics define the embedding.
    kinds : dict
        Column kinds (see :mod:`synthgan.evaluation._prep`).
    columns : sequence of str
        Columns to embed (identifiers should be left out).
    max_categories : int, default=50
        Most frequent categories kept per column; the rest share an "other" slot.
    """

    def __init__(self, real: pd.DataFrame, kinds: dict[str, str], columns: Sequence[str], max_categories: int = 50):
        self.columns_ = list(columns)
        self.kinds_ = {c: kinds[c] for c in self.columns_}
        self.stats_: dict[str, tuple[float, float, bool]] = {}
        self.categories_: dict[str, pd.Index] = {}
        for name in self.columns_:
            if self.kinds_[name] in CONTINUOUS:
                values = numeric_values(real[name])
                mean, std = _mean_std(values[np.isfinite(values)])
                self.stats_[name] = (mean, std, bool(np.isnan(values).any()))
            else:
                counts = comparable_values(real[name]).value_counts(dropna=True)
                self.categories_[name] = pd.Index(counts.index[:max_categories])
        self.width_ = sum(1 + s[2] for s in self.stats_.values()) + sum(len(c) + 2 for c in self.categories_.values())

    def transform(self, frame: pd.DataFrame) -> np.ndarray:
        """The float32 embedding of ``frame`` (shape ``(len(frame), width_)``)."""
        n = len(frame)
        out = np.zeros((n, self.width_), dtype=np.float32)
        col = 0
        rows = np.arange(n)
        for name in self.columns_:
            if name in self.stats_:
                mean, std, has_missing = self.stats_[name]
                with np.errstate(over="ignore", invalid="ignore"):  # values/std - mean/std: no overflow near 1e308
                    values = numeric_values(frame[name]) / std - mean / std
                    values = np.clip(values, -_CLIP, _CLIP)  # float32, and distances that stay finite
                missing = np.isnan(values)
                out[:, col] = np.where(missing, 0.0, values)
                col += 1
                if has_missing:
                    out[:, col] = missing
                    col += 1
            else:
                cats = self.categories_[name]
                values = comparable_values(frame[name])
                codes = cats.get_indexer(values)
                codes = np.where(codes >= 0, codes, len(cats))  # rare or unseen -> "other"
                codes = np.where(values.isna().to_numpy(), len(cats) + 1, codes)  # missing slot
                out[rows, col + codes] = _ONE_HOT
                col += len(cats) + 2
        return out
