"""The statistics a DP fit releases about its columns: one Gaussian mechanism over all histograms.

Each row adds 1 to one bin of every column's histogram (a category, a numeric bin, or
"missing"), so the histograms of all columns together have L2 sensitivity
``sqrt(n_columns)`` under adding or removing a row, and one Gaussian mechanism releases them
all (:mod:`synthgan.dp.accounting` adds its Renyi-DP curve to DP-SGD's).

* Numbers are counted in a fixed, data-independent grid (:func:`numeric_edges`: 8 bins per
  decade from 1e-4 to 1e12, both signs, and the two overflow bins), with exact zeros counted
  on their own (a row adds to the zero count or to one bin, never both); bins whose
  noisy count stays under ``NUMERIC_BAR`` sigmas are set to zero (post-processing of a
  public grid, free of privacy cost), and the rest give DP quantiles and a DP value range.
* Categories are data: which ones exist is private. A category is released only when its
  noisy count clears ``1 + sigma * z`` with ``z`` the normal quantile of
  ``1 - threshold_delta / n_columns``: a category held by one row shows with probability at
  most that, which the budget's ``threshold_delta`` pays for. Rarer categories are neither
  emitted nor stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm

from synthgan.dp.accounting import PrivacyBudget, gaussian_rdp

__all__ = ["ColumnHistogram", "HistogramRelease", "numeric_edges", "release_histograms"]

DECADES = (-4, 12)
NUMERIC_BAR = 3.0  # numeric bins (and zeros) are kept when their noisy count clears this many sigmas
BINS_PER_DECADE = 8


def numeric_edges() -> np.ndarray:
    """The fixed bin edges of every numeric histogram (public: they do not depend on the data)."""
    magnitudes = 10.0 ** np.arange(DECADES[0], DECADES[1] + 1e-9, 1.0 / BINS_PER_DECADE)
    return np.concatenate([[-np.inf], -magnitudes[::-1], [0.0], magnitudes, [np.inf]])


@dataclass
class ColumnHistogram:
    """One column's released histogram: ``levels`` (categories) or the grid's bins (numbers), noisy ``counts`` >= 0.

    Numbers also have ``zero``, the noisy count of exact zeros (0 when under the threshold).
    """

    name: str
    numeric: bool
    counts: np.ndarray
    missing: float
    levels: list = field(default_factory=list)
    zero: float = 0.0

    @property
    def total(self) -> float:
        return float(self.counts.sum() + self.zero + self.missing)

    def bins(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(low, high, count)`` of the numeric bins with a count above zero, in order (overflow bins end at the grid)."""
        edges = numeric_edges()
        low, high = edges[:-1].copy(), edges[1:].copy()
        low[0], high[-1] = edges[1], edges[-2]
        kept = self.counts > 0
        return low[kept], high[kept], self.counts[kept]

    def missing_share(self) -> float:
        return self.missing / self.total if self.total > 0 else 0.0

    def quantiles(self, q: np.ndarray) -> np.ndarray:
        """DP quantiles of a numeric column (linear within a bin; the overflow bins end at the grid)."""
        edges = numeric_edges()
        finite = edges.copy()
        finite[0], finite[-1] = edges[1], edges[-2]
        counts = self.counts.copy()
        counts[np.flatnonzero(edges[:-1] == 0.0)] += self.zero  # zeros sit at the left end of the bin [0, 1e-4)
        cdf = np.concatenate([[0.0], np.cumsum(counts)])
        if cdf[-1] <= 0:
            return np.zeros_like(np.asarray(q, dtype=np.float64))
        cdf /= cdf[-1]
        return np.interp(np.asarray(q, dtype=np.float64), cdf, finite)

    def to_state(self) -> dict[str, Any]:
        return {"name": self.name, "numeric": self.numeric, "counts": self.counts.round(3).tolist(),
                "missing": round(self.missing, 3), "levels": list(self.levels), "zero": round(self.zero, 3)}


@dataclass
class HistogramRelease:
    """What one release gave: the histograms, the noise, and the Renyi-DP curve it spent."""

    columns: dict[str, ColumnHistogram]
    sigma: float
    sensitivity: float
    threshold: float
    rdp: np.ndarray


def _categorical(s: pd.Series, sigma: float, threshold: float, rng: np.random.Generator) -> ColumnHistogram:
    present = s.dropna()
    counts = present.value_counts(sort=False)
    if len(counts):  # a fixed order first, so the noise a level gets does not depend on how pandas counted
        order = np.argsort(counts.index.astype(str).to_numpy(), kind="stable")
        counts = counts.iloc[order]
    noisy = counts.to_numpy(dtype=np.float64) + rng.normal(0.0, sigma, len(counts))
    kept = noisy > threshold
    levels = [v.item() if hasattr(v, "item") else v for v in counts.index[kept]]
    missing = max(0.0, float(s.isna().sum()) + rng.normal(0.0, sigma))
    return ColumnHistogram(str(s.name), False, np.clip(noisy[kept], 0.0, None), missing, levels)


def _numeric(s: pd.Series, sigma: float, rng: np.random.Generator) -> ColumnHistogram:
    values = pd.to_numeric(s, errors="coerce").to_numpy(dtype=np.float64)
    present = values[np.isfinite(values)]
    zeros = present == 0.0
    edges = numeric_edges()
    counts = np.histogram(np.clip(present[~zeros], -1e300, 1e300), bins=edges)[0].astype(np.float64)
    noisy = counts + rng.normal(0.0, sigma, len(counts))
    # The grid is public, so which bins to keep is post-processing: a bar well above the noise
    # (NUMERIC_BAR sigmas), not the categories' delta-paid one, keeps thin real bins (stroke's 4.8 % of
    # 1s in a 3,577-row table at epsilon 1) and lets few pure-noise bins through (0.13 % of empty ones).
    bar = NUMERIC_BAR * sigma
    noisy[noisy <= bar] = 0.0
    zero = float(zeros.sum()) + rng.normal(0.0, sigma)
    missing = max(0.0, float((~np.isfinite(values)).sum()) + rng.normal(0.0, sigma))
    return ColumnHistogram(str(s.name), True, noisy, missing, zero=zero if zero > bar else 0.0)


def release_histograms(frame: pd.DataFrame, numeric: dict[str, bool], budget: PrivacyBudget,
                       rng: np.random.Generator) -> HistogramRelease:
    """Release every column's histogram with one Gaussian mechanism (see the module docstring).

    Parameters
    ----------
    frame : DataFrame
        The real rows.
    numeric : dict of str to bool
        The columns to release, True for numbers (binned on the fixed grid).
    budget : PrivacyBudget
    rng : numpy.random.Generator
        The only source of noise.
    """
    budget.check()
    n_columns = max(1, len(numeric))
    sensitivity = float(np.sqrt(n_columns))
    sigma = budget.statistics_sigma(sensitivity)
    threshold = 1.0 + sigma * float(norm.ppf(1.0 - budget.threshold_delta / n_columns))
    columns = {name: (_numeric(frame[name], sigma, rng) if is_number else _categorical(frame[name], sigma, threshold, rng))
               for name, is_number in numeric.items()}
    return HistogramRelease(columns, sigma, sensitivity, threshold, gaussian_rdp(sensitivity, sigma))
