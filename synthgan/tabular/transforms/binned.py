"""A numeric column as two codes: which bin (or exact point) a value falls in, and where inside it.

The ``"binned"`` encoding of the autoregressive model: every column becomes categories, so
the model learns one softmax per span. A continuous, integer or datetime column gets

* a ``bin`` span: one code per exact point (a value holding at least ``point_share`` of the
  rows, such as the zeros of a capital-gain column), one per interval, and "missing" when
  training had missing cells;
* a ``position`` span: ``sub_bins`` equal parts of the interval (0 for points and missing).

Decoding draws uniformly inside the chosen part, then clips and rounds to the column's
range and resolution (whole numbers for integers). Intervals come from the data's quantiles
(:meth:`BinnedNumeric.fit`), or, for a differentially private fit, from the noisy histogram
of a fixed grid (:meth:`BinnedNumeric.from_release`), in which case nothing about the
column comes from the rows except through that release. Values outside every interval
(a DP release drops thin bins) go to the nearest one.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from synthgan.tabular.schema import ColumnSchema
from synthgan.tabular.transforms.base import ColumnTransformer, SpanShape, one_hot
from synthgan.tabular.transforms.numeric import NumericFormat
from synthgan.tabular.transforms.values import restore_series, to_float

DATETIME_STEP = 1.0  # seconds: what a DP fit rounds datetimes to (the data's own resolution is not released)


class BinnedNumeric(ColumnTransformer):
    """Bins and positions inside them (see the module docstring).

    Parameters
    ----------
    col : ColumnSchema
    max_bins : int, default=32
        Codes for points and intervals together, at most.
    sub_bins : int, default=16
        Parts of each interval the position span tells apart.
    point_share : float, default=0.02
        A single value holding at least this share of the rows becomes an exact point.
    """

    name = "binned_numeric"

    def __init__(self, col: ColumnSchema, *, max_bins: int = 32, sub_bins: int = 16, point_share: float = 0.02) -> None:
        super().__init__(col)
        self.max_bins = max_bins
        self.sub_bins = sub_bins
        self.point_share = point_share

    # ----------------------------------------------------------------- learning
    def fit(self, s: pd.Series, rng: np.random.Generator) -> "BinnedNumeric":
        x = to_float(s, self.col)
        missing = np.isnan(x)
        present = x[~missing]
        self.format_ = NumericFormat.learn(present, self.col.kind, s)
        values, counts = np.unique(present, return_counts=True)
        heavy = counts >= self.point_share * max(present.size, 1)
        order = np.argsort(-counts[heavy], kind="stable")[: self.max_bins // 2]
        self.points_ = np.sort(values[heavy][order])
        rest = present[~np.isin(present, self.points_)]
        self.low_, self.high_ = _quantile_bins(rest, self.max_bins - self.points_.size)
        self.has_missing_ = bool(missing.any())
        return self

    @classmethod
    def from_release(cls, col: ColumnSchema, histogram: Any, has_missing: bool, **params: Any) -> "BinnedNumeric":
        """A transformer built only from a DP release (:class:`synthgan.dp.statistics.ColumnHistogram`).

        Intervals are the grid bins whose noisy count was kept; the zeros are a point when
        their noisy count was; the value range is the kept bins' (no rounding beyond the
        column kind's: whole numbers for integers, seconds for datetimes).
        """
        t = cls(col, **params)
        low, high, _ = histogram.bins()
        t.points_ = np.array([0.0]) if histogram.zero > 0 else np.empty(0)
        t.low_, t.high_ = low.astype(np.float64), high.astype(np.float64)
        ends = np.concatenate([t.low_, t.high_, t.points_])
        lo, hi = (float(ends.min()), float(ends.max())) if ends.size else (0.0, 0.0)
        step = 1.0 if col.kind == "integer" else DATETIME_STEP if col.kind == "datetime" else 0.0
        t.format_ = NumericFormat(lo, hi, step=step)
        t.has_missing_ = bool(has_missing)
        return t

    # ---------------------------------------------------------------- encoding
    @property
    def n_bins(self) -> int:
        """Codes of the bin span: points, intervals, then missing."""
        return self.points_.size + self.low_.size + int(self.has_missing_)

    def spans(self) -> list[SpanShape]:
        out = [SpanShape(max(self.n_bins, 1), "softmax", "component", max(self.n_bins, 1))]
        if self.low_.size:
            out.append(SpanShape(self.sub_bins, "softmax", "component", self.sub_bins))
        return out

    def codes(self, s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
        """``(bin, position)`` code of every value (vectorised)."""
        x = to_float(s, self.col)
        n_points, n_intervals = self.points_.size, self.low_.size
        bins = np.zeros(x.size, dtype=np.int64)
        position = np.zeros(x.size, dtype=np.int64)
        missing = np.isnan(x)
        is_point = np.isin(x, self.points_) & ~missing
        if n_points:
            bins[is_point] = np.searchsorted(self.points_, x[is_point])
        inside = ~missing & ~is_point
        if n_intervals and inside.any():
            v = x[inside]
            k = np.clip(np.searchsorted(self.low_, v, side="right") - 1, 0, n_intervals - 1)
            after = np.minimum(k + 1, n_intervals - 1)
            gap = v >= self.high_[k]  # beyond interval k: take the nearer of k and k + 1
            k = np.where(gap & (self.low_[after] - v < v - self.high_[k]), after, k)
            width = self.high_[k] - self.low_[k]
            with np.errstate(invalid="ignore", divide="ignore"):
                part = np.floor((v - self.low_[k]) / width * self.sub_bins)
            bins[inside] = n_points + k
            position[inside] = np.clip(np.nan_to_num(part), 0, self.sub_bins - 1).astype(np.int64)
        elif n_points and inside.any():  # only points: the nearest one
            v = x[inside]
            bins[inside] = np.abs(v[:, None] - self.points_[None, :]).argmin(axis=1)
        if self.has_missing_:
            bins[missing] = self.n_bins - 1
        return bins, position

    def transform(self, s: pd.Series, rng: np.random.Generator) -> np.ndarray:
        bins, position = self.codes(s)
        blocks = [one_hot(bins, max(self.n_bins, 1))]
        if self.low_.size:
            blocks.append(one_hot(position, self.sub_bins))
        return np.hstack(blocks)

    def inverse(self, block: np.ndarray, rng: np.random.Generator, index: pd.Index, codes: list[np.ndarray] | None = None) -> pd.Series:
        width = max(self.n_bins, 1)
        if codes is None:
            codes = [block[:, :width].argmax(axis=1)] + ([block[:, width:].argmax(axis=1)] if self.low_.size else [])
        bins = np.clip(np.asarray(codes[0], dtype=np.int64), 0, width - 1)
        n_points, n_intervals = self.points_.size, self.low_.size
        x = np.full(bins.size, np.nan)
        if n_points:
            at_point = bins < n_points
            x[at_point] = self.points_[bins[at_point]]
        if n_intervals:
            k = bins - n_points
            inside = (k >= 0) & (k < n_intervals)
            ki = k[inside]
            part = np.asarray(codes[1], dtype=np.float64)[inside] + rng.random(ki.size)
            x[inside] = self.low_[ki] + part / self.sub_bins * (self.high_[ki] - self.low_[ki])
        if not self.has_missing_ and np.isnan(x).any():  # only an empty transformer: no bins at all
            x = np.where(np.isnan(x), self.format_.low, x)
        return restore_series(self.format_.apply(x), self.col, index, bounds=self.format_.bounds)

    # ------------------------------------------------------------------- state
    def get_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        state = {"format": self.format_.to_dict(), "has_missing": self.has_missing_, "max_bins": int(self.max_bins),
                 "sub_bins": int(self.sub_bins), "point_share": float(self.point_share)}
        return state, {"points": self.points_.astype(np.float64), "low": self.low_.astype(np.float64),
                       "high": self.high_.astype(np.float64)}

    def set_state(self, state: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        self.format_ = NumericFormat(**state["format"])
        self.has_missing_ = bool(state["has_missing"])
        self.max_bins, self.sub_bins, self.point_share = int(state["max_bins"]), int(state["sub_bins"]), float(state["point_share"])
        self.points_ = np.asarray(arrays["points"], dtype=np.float64)
        self.low_ = np.asarray(arrays["low"], dtype=np.float64)
        self.high_ = np.asarray(arrays["high"], dtype=np.float64)


def _quantile_bins(x: np.ndarray, n_bins: int) -> tuple[np.ndarray, np.ndarray]:
    """``(low, high)`` of at most ``n_bins`` contiguous intervals holding about equal shares of ``x``.

    The last interval is closed on the right by nudging its end past the maximum.
    """
    if x.size == 0 or n_bins < 1:
        return np.empty(0), np.empty(0)
    edges = np.unique(np.quantile(x, np.linspace(0.0, 1.0, n_bins + 1)))
    if edges.size == 1:  # one distinct value left over: a narrow interval around it
        edges = np.array([edges[0], edges[0] + max(abs(edges[0]) * 1e-9, 1e-12)])
    high = edges[1:].copy()
    high[-1] = np.nextafter(high[-1], np.inf)
    return edges[:-1].copy(), high
