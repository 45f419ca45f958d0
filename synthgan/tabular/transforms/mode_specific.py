"""Mode-specific normalisation of a numeric column, with exact point masses and missing.

Each value becomes a pair: a scalar normalised within one Gaussian mode
(``"value"`` span, tanh) and a one-hot choice among the modes, the exact point
masses and "missing" (``"component"`` span, softmax). The Gaussian modes are
fitted only on the values that are not point masses, so spikes never smear into
their neighbourhood (Adult's capital_gain has no mass in 1..113 after decoding).

Invertibility: each mode remembers the range ``[low_k, high_k]`` of the values it
may be assigned, and its scale is widened so that range maps inside
``[-0.99, 0.99]`` (CTGAN uses ``(x - mean) / (4 std)``; a plain 4-std scale would
clip real values far in a tail). Decoded values are kept in their mode's range, so
nothing lands between a spike and the nearest real values; a value beyond the range
is reflected back into it (mirrored at the bound it passed), not clipped onto the
bound: a generator that overshoots the observed minimum of population or glucose
then adds to the values just inside it instead of piling them up on the minimum
itself (1 % of california's synthetic populations were exactly 3, the minimum).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from synthgan.tabular.transforms.base import ColumnTransformer, SpanShape, one_hot
from synthgan.tabular.transforms.gmm import Mixture, fit_mixture
from synthgan.tabular.transforms.numeric import NumericFormat, Scaling
from synthgan.tabular.transforms.point_masses import find_point_masses
from synthgan.tabular.transforms.values import restore_series, to_float

_BOUND = 0.99  # CTGAN's clip of the normalised value
_MIN_POSTERIOR = 1e-3  # a mode is only assigned values it explains at least this well
_FEW_DISTINCT = 3  # so few distinct non-spike values are kept as exact values instead


class ModeSpecificNormalizer(ColumnTransformer):
    """Gaussian-mixture normalisation of a continuous, integer or datetime column.

    Parameters
    ----------
    col : ColumnSchema
        The column.
    max_modes : int
        Gaussian components at most.
    weight_threshold : float
        Components lighter than this are dropped.
    fit_size : int
        The mixture is fitted on at most this many values (a random subsample).
    point_mass_share, spike_ratio, max_point_masses
        See :func:`~synthgan.tabular.transforms.point_masses.find_point_masses`.
    """

    name = "mode_specific"

    def __init__(
        self,
        col,
        *,
        max_modes: int = 10,
        weight_threshold: float = 0.005,
        fit_size: int = 10_000,
        point_mass_share: float = 0.01,
        spike_ratio: float = 3.0,
        max_point_masses: int = 10,
    ):
        super().__init__(col)
        self.max_modes = max_modes
        self.weight_threshold = weight_threshold
        self.fit_size = fit_size
        self.point_mass_share = point_mass_share
        self.spike_ratio = spike_ratio
        self.max_point_masses = max_point_masses

    # ------------------------------------------------------------------ fit
    def fit(self, s: pd.Series, rng: np.random.Generator) -> "ModeSpecificNormalizer":
        x = to_float(s, self.col)
        missing = np.isnan(x)
        valid = x[~missing]
        self.format_ = NumericFormat.learn(valid, self.col.kind, s)
        self.scaling_ = Scaling.learn(self.format_.low, self.format_.high)
        self.has_missing_ = bool(missing.any())
        masses = find_point_masses(
            valid, min_share=self.point_mass_share, spike_ratio=self.spike_ratio, max_count=self.max_point_masses
        )
        rest = valid[~np.isin(valid, masses)]
        if np.unique(rest).size <= _FEW_DISTINCT:
            masses, rest = np.unique(valid) if rest.size else masses, rest[:0]
        self.point_masses_ = masses
        self._fit_modes(self.scaling_.forward(rest), rng)  # modes live on the scaled axis; point masses stay exact
        return self

    def _fit_modes(self, rest: np.ndarray, rng: np.random.Generator) -> None:
        empty = np.empty(0)
        if rest.size == 0:
            self.mixture_ = Mixture(empty, empty, empty)
            self.low_, self.high_, self.scale_ = empty, empty, empty
            return
        sample = rest if rest.size <= self.fit_size else rng.choice(rest, self.fit_size, replace=False)
        step = self.format_.step / self.scaling_.half
        min_std = step / np.sqrt(12.0) if step > 0 else 0.0
        mix = fit_mixture(sample, max_modes=self.max_modes, weight_threshold=self.weight_threshold, min_std=min_std)
        eligible = self._eligible(mix, rest)
        used = eligible.any(axis=0)
        mix = Mixture(mix.weights[used] / mix.weights[used].sum(), mix.means[used], mix.stds[used])
        eligible = eligible[:, used]
        self.low_ = np.where(eligible, rest[:, None], np.inf).min(axis=0)
        self.high_ = np.where(eligible, rest[:, None], -np.inf).max(axis=0)
        half_width = np.maximum(mix.means - self.low_, self.high_ - mix.means) / _BOUND
        self.scale_ = np.maximum(4.0 * mix.stds, np.maximum(half_width, 1e-12))
        self.mixture_ = mix

    @staticmethod
    def _eligible(mix: Mixture, x: np.ndarray) -> np.ndarray:
        post = mix.posterior(x)
        eligible = post >= _MIN_POSTERIOR
        eligible[np.arange(x.size), post.argmax(axis=1)] = True
        return eligible

    # ----------------------------------------------------------- layout
    @property
    def n_components(self) -> int:
        return self.mixture_.n_modes + self.point_masses_.size + int(self.has_missing_)

    def spans(self) -> list[SpanShape]:
        n = self.n_components
        return [SpanShape(1, "tanh", "value"), SpanShape(n, "softmax", "component", n)]

    # -------------------------------------------------------- transform
    def transform(self, s: pd.Series, rng: np.random.Generator) -> np.ndarray:
        x = to_float(s, self.col)
        n_modes, n_masses = self.mixture_.n_modes, self.point_masses_.size
        comp = np.full(x.size, n_modes + n_masses, dtype=np.int64)  # "missing" unless set below
        value = np.zeros(x.size)
        present = ~np.isnan(x)
        mass_idx = _match(self.point_masses_, x)
        is_mass = present & (mass_idx >= 0)
        comp[is_mass] = n_modes + mass_idx[is_mass]
        gauss = present & ~is_mass
        if gauss.any():
            xs = x[gauss]
            if n_modes == 0:  # an unseen value with no mode: take the nearest point mass
                comp[gauss] = n_modes + np.abs(xs[:, None] - self.point_masses_[None, :]).argmin(axis=1)
            else:
                xs = self.scaling_.forward(xs)
                k = self._sample_modes(xs, rng)
                comp[gauss] = k
                value[gauss] = np.clip((xs - self.mixture_.means[k]) / self.scale_[k], -_BOUND, _BOUND)
        if not self.has_missing_:  # missing in new data but not in training: no such category
            comp = np.minimum(comp, self.n_components - 1)
        out = np.empty((x.size, 1 + self.n_components), dtype=np.float32)
        out[:, 0] = value
        out[:, 1:] = one_hot(comp, self.n_components)
        return out

    def _sample_modes(self, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One mode per value drawn from its posterior (one uniform per row, no loop)."""
        post = self.mixture_.posterior(x)
        inside = (x[:, None] >= self.low_[None, :]) & (x[:, None] <= self.high_[None, :])
        post = np.where(inside & (post >= _MIN_POSTERIOR), post, 0.0)
        nearest = np.abs(x[:, None] - self.mixture_.means[None, :]).argmin(axis=1)
        post[np.arange(x.size), nearest] += post.sum(axis=1) == 0  # out-of-range values: nearest mode
        cdf = np.cumsum(post, axis=1)
        u = rng.random(x.size) * cdf[:, -1]
        return np.minimum((cdf < u[:, None]).sum(axis=1), self.mixture_.n_modes - 1)

    # ---------------------------------------------------------- inverse
    def inverse(self, block: np.ndarray, rng: np.random.Generator, index: pd.Index, codes: list[np.ndarray] | None = None) -> pd.Series:
        value = np.clip(block[:, 0].astype(np.float64), -1.0, 1.0)
        comp = block[:, 1:].argmax(axis=1) if codes is None else codes[0]
        n_modes, n_masses = self.mixture_.n_modes, self.point_masses_.size
        out = np.full(comp.size, np.nan)
        gauss = comp < n_modes
        if gauss.any():
            k = comp[gauss]
            x = value[gauss] * self.scale_[k] + self.mixture_.means[k]
            out[gauss] = self.scaling_.backward(reflect(x, self.low_[k], self.high_[k]))
        mass = (comp >= n_modes) & (comp < n_modes + n_masses)
        out[mass] = self.point_masses_[comp[mass] - n_modes]
        out[gauss] = self.format_.apply(out[gauss])
        return restore_series(out, self.col, index, bounds=self.format_.bounds)

    # ------------------------------------------------------------ state
    def get_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        state = {"format": self.format_.to_dict(), "has_missing": self.has_missing_}
        if not self.scaling_.is_identity:
            state["scaling"] = self.scaling_.to_dict()
        arrays = {
            "weights": self.mixture_.weights,
            "means": self.mixture_.means,
            "stds": self.mixture_.stds,
            "low": self.low_,
            "high": self.high_,
            "scale": self.scale_,
            "point_masses": self.point_masses_,
        }
        return state, {k: np.asarray(v, dtype=np.float64) for k, v in arrays.items()}

    def set_state(self, state: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        self.format_ = NumericFormat(**state["format"])
        self.scaling_ = Scaling(**state.get("scaling", {}))
        self.has_missing_ = bool(state["has_missing"])
        self.mixture_ = Mixture(arrays["weights"], arrays["means"], arrays["stds"])
        self.low_, self.high_, self.scale_ = arrays["low"], arrays["high"], arrays["scale"]
        self.point_masses_ = arrays["point_masses"]


def reflect(x: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """``x`` with values outside ``[low, high]`` folded back inside, mirror-wise (values inside are unchanged).

    A triangle wave: ``low - d`` becomes ``low + d`` and ``high + d`` becomes ``high - d``;
    overshoots wider than the range keep folding. An empty range (``low == high``)
    gives ``low``.
    """
    width = high - low
    period = 2.0 * np.where(width > 0, width, 1.0)
    with np.errstate(invalid="ignore"):
        y = np.mod(x - low, period)
        folded = np.where(width > 0, low + np.where(y > width, period - y, y), low)
        return np.where((x < low) | (x > high), folded, x)


def _match(sorted_values: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Index of each ``x`` in ``sorted_values`` where equal, else -1 (NaN gives -1)."""
    if sorted_values.size == 0:
        return np.full(x.size, -1)
    pos = np.clip(np.searchsorted(sorted_values, x), 0, sorted_values.size - 1)
    return np.where(sorted_values[pos] == x, pos, -1)
