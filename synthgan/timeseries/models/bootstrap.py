"""Stationary bootstrap (Politis & Romano 1994): new paths glued from blocks of the training series.

A path is built from blocks of consecutive steps of one training series. Each block
starts at a uniformly drawn step and runs for a geometric number of steps (mean
``mean_block_length``), wrapping from the series' last step to its first; at every step
a new block starts with probability ``1 / mean_block_length``. All features of a step are
copied together (the same time index), so cross-feature structure within a step and
within a block is the data's own.

The mean block length is the user's, or chosen by the automatic rule of Politis & White
(2004) with the correction of Patton, Politis & White (2009), as
:func:`arch.bootstrap.optimal_block_length` computes it; :func:`optimal_block_length`
below is a numpy port of that function (the tests check that both agree), so the model
needs no optional package and gives the same block length wherever it runs.

Privacy: a bootstrap *is* its training data. The fitted state (and so a saved model
file) holds every training series in full, and every sampled path is a patchwork of
verbatim training windows. Do not share a fitted model or its samples where the
training series must stay private.
"""

from __future__ import annotations

import time
import warnings
from numbers import Real
from typing import Any, ClassVar

import numpy as np

from synthgan._random import numpy_rng
from synthgan.core import params as P
from synthgan.core.encoded import EncodedData
from synthgan.core.model import Capabilities
from synthgan.core.seeds import SampleSeeds, check_n, resolve_fit_seed
from synthgan.errors import ConditionError, ConfigError, DataWarning, ModelFileError, check_is_fitted
from synthgan.timeseries.models.base import SequenceModel, check_length, check_sequence_data

#: series shorter than this (per feature) are left out of the automatic block length
MIN_STEPS_FOR_RULE = 20
_CONDITION_ATOL = 1e-6


def optimal_block_length(x: np.ndarray) -> float:
    """Politis-White mean block length of the stationary bootstrap for one series.

    A port of :func:`arch.bootstrap.optimal_block_length` (its ``"stationary"`` column):
    flat-top lag window with the bandwidth chosen as twice the first lag after which
    ``max(5, log10(n))`` autocorrelations are insignificant, ``b = (g^2 / lrv^2 * n)^(1/3)``
    capped at ``min(3 sqrt(n), n / 3)``.

    Parameters
    ----------
    x : ndarray of shape (n_steps,)
        One series with at least :data:`MIN_STEPS_FOR_RULE` steps.

    Returns
    -------
    float
        The estimate (may be below 1 for white noise, NaN for a constant series).
    """
    x = np.asarray(x, dtype=np.float64)
    nobs = len(x)
    eps = x - x.mean()
    b_max = np.ceil(min(3 * np.sqrt(nobs), nobs / 3))
    kn = max(5, int(np.log10(nobs)))
    m_max = int(np.ceil(np.sqrt(nobs))) + kn
    lags = np.arange(m_max + 1)
    cross = np.array([eps[i:] @ eps[: nobs - i] for i in lags])  # one dot product per lag, vectorised over steps
    acv = cross / nobs
    squares = np.cumsum(eps**2)
    v1 = squares[-1] - squares[lags]          # sum of eps[i+1:]**2
    v2 = squares[nobs - lags - 2]             # sum of eps[:n-i-1]**2
    with np.errstate(divide="ignore", invalid="ignore"):
        abs_acorr = np.abs(cross) / np.sqrt(v1 * v2)
    quiet = np.lib.stride_tricks.sliding_window_view(abs_acorr[:m_max] < 2 * np.sqrt(np.log10(nobs) / nobs), kn).all(axis=1)
    found = np.flatnonzero(quiet)
    m = min(2 * max(int(found[0]), 1), m_max) if found.size else m_max
    k = np.arange(1, m + 1)
    lam = np.where(k / m <= 0.5, 1.0, 2.0 * (1.0 - k / m))
    g = np.sum(2 * lam * k * acv[k])
    lr_acv = acv[0] + np.sum(2 * lam * acv[k])
    with np.errstate(divide="ignore", invalid="ignore"):
        b_sb = (g**2 / lr_acv**2) ** (1 / 3) * nobs ** (1 / 3)
    return float(min(b_sb, b_max))


def automatic_block_length(temporal: np.ndarray, lengths: np.ndarray) -> float | None:
    """Mean of :func:`optimal_block_length` over features, length-weighted over series; None when no estimate."""
    estimates, weights = [], []
    for series, steps in zip(temporal, lengths):
        if steps < MIN_STEPS_FOR_RULE:
            continue
        for feature in series[:steps].T:
            b = optimal_block_length(feature)
            if np.isfinite(b):
                estimates.append(b), weights.append(steps)
    return float(np.average(estimates, weights=weights)) if estimates else None


def _block_length(model: str, arg: str, value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, Real) or not np.isfinite(value) or value < 1:
        raise ConfigError(f"{model}: '{arg}' must be None (automatic) or a number of steps >= 1, got {value!r}; pass e.g. {arg}=10")
    return float(value)


class StationaryBootstrap(P.ConfigMixin, SequenceModel):
    """Stationary block bootstrap of the training series (Politis & Romano 1994).

    Parameters
    ----------
    mean_block_length : float, optional
        Mean number of consecutive steps copied per block (>= 1; 1 resamples single steps).
        None chooses it from the data with the Politis-White rule (see the module docstring),
        averaged over features and, weighted by length, over series of at least
        :data:`MIN_STEPS_FOR_RULE` steps; the result is kept within ``[1, longest series]``.

    Attributes
    ----------
    mean_block_length_ : float
        The mean block length used.
    values_ : ndarray of shape (total_steps, width)
        The valid steps of every training series, one after the other (float32).
    offsets_ : ndarray of shape (n_series + 1,)
        Where each series starts in ``values_``; series ``i`` has ``offsets_[i+1] - offsets_[i]`` steps.
    static_ : ndarray of shape (n_series, static_width) or None
        The series' static parts, when fitted with one.
    max_length_ : int
        The longest training series (the default path length).
    history_ : list of dict
        One entry: the mean block length and seconds.
    seed_ : int

    Notes
    -----
    Each path draws one training series (uniformly, or among the series whose static
    vector equals ``condition``) and all its blocks come from that series, so paths never
    mix entities. The model stores every training series: see the privacy note in the
    module docstring.
    """

    name: ClassVar[str] = "stationary-bootstrap"
    capabilities: ClassVar[Capabilities] = Capabilities(
        kind="sequence", summary="stationary block bootstrap of the training series (copies training windows)",
        family="block bootstrap", conditional=True, trainable=False, devices=("cpu",))
    checkers = {"mean_block_length": _block_length}

    def __init__(self, *, mean_block_length: float | None = None) -> None:
        self._store(locals())

    def fit(self, data: EncodedData, *, seed: int | None = None, callbacks: list | None = None) -> "StationaryBootstrap":
        """Keep the training series and choose the mean block length.

        Parameters
        ----------
        data : EncodedData
            ``temporal`` ``(n_series, max_steps, width)`` with ``lengths``; ``static`` optional.
        seed : int, optional
            Seeds the model's sampling stream (``sample(seed=None)``).
        callbacks : list of Callback, optional
            Told of the one "epoch".

        Returns
        -------
        self
        """
        cfg = self._checked_config()
        data = check_sequence_data(data, model=self.name)
        fit_seed = resolve_fit_seed(seed, model=self.name)
        callbacks = list(callbacks or [])
        for cb in callbacks:
            cb.on_train_begin(self, 1)
        started = time.perf_counter()
        lengths = data.lengths
        valid = np.arange(data.temporal.shape[1]) < lengths[:, None]
        block = cfg["mean_block_length"]
        if block is None:
            block = automatic_block_length(data.temporal, lengths)
            if block is None:
                warnings.warn(f"{self.name}: no series has {MIN_STEPS_FOR_RULE} steps and a varying feature, so the block "
                              "length cannot be chosen from the data; using 1 (steps drawn independently). "
                              "Pass mean_block_length=... to keep runs of steps together", DataWarning, stacklevel=2)
                block = 1.0
        self.mean_block_length_ = float(np.clip(block, 1.0, lengths.max()))
        self.values_ = np.ascontiguousarray(data.temporal[valid], dtype=np.float32)
        self.offsets_ = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        self.static_ = None if data.static is None else np.asarray(data.static, dtype=np.float32).reshape(len(lengths), -1)
        logs = {"epoch": 1.0, "mean_block_length": self.mean_block_length_, "seconds": time.perf_counter() - started}
        self._set_fitted(fit_seed, [logs])
        for cb in callbacks:
            cb.on_epoch_end(self, 1, logs)
        for cb in callbacks:
            cb.on_train_end(self)
        return self

    def _set_fitted(self, fit_seed: int, history: list[dict[str, float]]) -> None:
        self.seed_ = fit_seed
        self.history_ = history
        self.max_length_ = int(np.diff(self.offsets_).max())
        self._sample_seeds = SampleSeeds(fit_seed)

    def _eligible(self, condition: Any) -> np.ndarray:
        """Indices of the series a path may draw from."""
        n_series = len(self.offsets_) - 1
        if condition is None:
            return np.arange(n_series)
        if self.static_ is None:
            raise ConditionError(f"{self.name}: the model was fitted without a static part, so it cannot sample with a "
                                 "condition; sample without 'condition'")
        vector = np.asarray(condition, dtype=np.float64)
        if vector.shape != (self.static_.shape[1],):
            raise ConditionError(f"{self.name}: condition must be one encoded static vector of shape "
                                 f"({self.static_.shape[1]},), got shape {vector.shape}")
        match = np.flatnonzero(np.isclose(self.static_, vector, rtol=0.0, atol=_CONDITION_ATOL).all(axis=1))
        if match.size == 0:
            raise ConditionError(f"{self.name}: no training series has this static vector, so the bootstrap has no "
                                 "blocks to draw from; pass the static vector of a training series")
        return match

    def sample(self, n: int, *, length: int | None = None, seed: int | None = None, condition: Any = None) -> EncodedData:
        """Draw ``n`` paths of ``length`` steps (default: the longest training series).

        Parameters
        ----------
        n : int
            Number of paths.
        length : int, optional
            Steps per path; any length (blocks wrap around within their series).
        seed : int, optional
            Makes the call reproducible on its own; None continues the model's stream.
        condition : ndarray of shape (static_width,), optional
            Only series whose static vector equals it (to 1e-6) are drawn from.

        Returns
        -------
        EncodedData
            ``temporal`` ``(n, length, width)`` float32 and, when fitted with one, the
            ``static`` part of each path's source series.
        """
        check_is_fitted(self, "values_")
        n = check_n(n, model=self.name)
        length = check_length(length, self.max_length_, model=self.name)
        eligible = self._eligible(condition)
        rng = numpy_rng(self._sample_seeds.resolve(seed, model=self.name), "sample")
        series = eligible[rng.integers(0, len(eligible), size=n)]
        steps = np.diff(self.offsets_)[series][:, None]                     # (n, 1)
        new_block = rng.random((n, length)) < 1.0 / self.mean_block_length_
        new_block[:, 0] = True
        starts = rng.integers(0, steps, size=(n, length))                   # a start drawn for every step, used where a block begins
        t = np.arange(length)
        block_began = np.maximum.accumulate(np.where(new_block, t, 0), axis=1)
        index = (np.take_along_axis(starts, block_began, axis=1) + t - block_began) % steps
        temporal = self.values_[self.offsets_[series][:, None] + index]
        static = None if self.static_ is None else self.static_[series]
        return EncodedData(static=static, temporal=temporal, lengths=np.full(n, length, dtype=np.int64))

    def state_arrays(self) -> dict[str, np.ndarray]:
        """The training series (all of them: see the privacy note), offsets, block length and seed."""
        check_is_fitted(self, "values_")
        arrays = {"values": self.values_, "offsets": self.offsets_,
                  "mean_block_length": np.asarray(self.mean_block_length_, dtype=np.float64),
                  "seed": np.asarray(self.seed_, dtype=np.int64)}
        if self.static_ is not None:
            arrays["static"] = self.static_
        return arrays

    def data_spec(self) -> dict[str, Any]:
        """Widths, number of series and the longest series."""
        check_is_fitted(self, "values_")
        return {"width": int(self.values_.shape[1]), "n_series": len(self.offsets_) - 1, "max_length": self.max_length_,
                "static_width": None if self.static_ is None else int(self.static_.shape[1])}

    @classmethod
    def from_state(cls, config: dict[str, Any], arrays: dict[str, np.ndarray], spec: dict[str, Any],
                   history: list[dict[str, float]]) -> "StationaryBootstrap":
        """Rebuild a fitted bootstrap from ``get_config()``, ``state_arrays()``, ``data_spec()`` and history."""
        model = cls(**config)
        try:
            model.values_ = np.asarray(arrays["values"], dtype=np.float32).reshape(-1, int(spec["width"]))
            model.offsets_ = np.asarray(arrays["offsets"], dtype=np.int64)
            model.mean_block_length_ = float(np.asarray(arrays["mean_block_length"]))
            model.static_ = None if "static" not in arrays else np.asarray(arrays["static"], dtype=np.float32)
            if model.offsets_[0] != 0 or model.offsets_[-1] != len(model.values_) or (np.diff(model.offsets_) < 1).any():
                raise ValueError("offsets do not split the stored steps into series")
            if model.static_ is not None and len(model.static_) != len(model.offsets_) - 1:
                raise ValueError("one static vector per series expected")
            model._set_fitted(int(np.asarray(arrays["seed"])), list(history))
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelFileError(f"{cls.name}: saved state is incomplete or inconsistent ({exc}); fit the model again") from exc
        return model
