"""Stylized facts of returns: moments, tails, autocorrelations, leverage, aggregational Gaussianity.

Every function here takes *paths*: a 2-D array ``(n_paths, length)`` of one return
series per row (a single real history is one path, ``(1, T)``); :func:`as_paths` turns
the public shapes into that (and :func:`windows` cuts the windows the other scores use).
Statistics are *pooled* over paths (all paths' values, or all within-path lag pairs,
counted together) and, where a per-path value means something (ACF, leverage), also
averaged over paths.

Conventions:

* kurtosis is **excess** kurtosis (Fisher: a Gaussian has 0), for the returns and for
  the aggregated sums alike;
* autocorrelations divide the lag-``k`` sum of products by the number of pairs
  ``length - k`` (not by ``length``), so short paths are not shrunk towards 0;
* the Hill tail index uses the top ``tail_fraction`` (default 5 %) of the tail's own
  observations: ``k = max(min_k, round(tail_fraction * m))`` of the ``m`` values > 0;
* leverage is Bouchaud, Matacz & Potters (2001): ``L(k) = E[r_t r_{t+k}^2] / E[r_t^2]^2``
  on raw (not demeaned) returns. It has units of 1/r (it scales with the inverse of the
  volatility), so the dimensionless correlation ``corr(r_t, r_{t+k}^2)`` is reported too
  (``leverage_correlation``; -0.088 at lag 1 for S&P 500 daily log returns 1950-2010).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import stats

from synthgan.errors import DataValidationError

HORIZONS = (1, 5, 20)
MAX_LAG = 100
LEVERAGE_LAGS = 20
TAIL_FRACTION = 0.05
MIN_TAIL_K = 10


def as_paths(values: Any, *, name: str, paths: bool) -> np.ndarray:
    """The public shapes as one float64 array ``(n_paths, length, d)``.

    Parameters
    ----------
    values : array-like
        ``paths=False``: one history, ``(T,)`` or ``(T, d)``. ``paths=True``: several,
        ``(n_paths, length)`` or ``(n_paths, length, d)``.
    name : str
        The argument's name, for error messages.
    paths : bool
        Whether ``values`` holds several paths.

    Returns
    -------
    ndarray of shape (n_paths, length, d)
    """
    x = np.asarray(values, dtype=np.float64)
    expected = "(n_paths, length) or (n_paths, length, d)" if paths else "(T,) or (T, d)"
    allowed = (2, 3) if paths else (1, 2)
    if x.ndim not in allowed:
        raise DataValidationError(f"{name} must have shape {expected}, got an array of shape {x.shape}; "
                                  "reshape it (one row per path, one column per step)")
    if not paths:
        x = x[None]
    if x.ndim == 2:
        x = x[..., None]
    if x.shape[0] < 1 or x.shape[1] < 2 or x.shape[2] < 1:
        raise DataValidationError(f"{name} needs at least one series of 2 or more steps, got shape {x.shape}")
    if not np.isfinite(x).all():
        raise DataValidationError(f"{name} holds NaN or infinite returns; drop or fill them before evaluating")
    return x


def windows(paths: np.ndarray, length: int, *, step: int | None = None) -> np.ndarray:
    """Windows of ``length`` steps cut from every path of ``(n_paths, T, d)``, never across two paths.

    ``step`` defaults to ``length`` (non-overlapping windows); ``step=1`` gives every
    window. Returns a new array ``(n_windows, length, d)``, path by path in time order.
    """
    n, steps, d = paths.shape
    if steps < length:
        return np.empty((0, length, d))
    view = np.lib.stride_tricks.sliding_window_view(paths, length, axis=1)[:, :: step or length]
    return np.ascontiguousarray(view.transpose(0, 1, 3, 2).reshape(-1, length, d))


def _excess_kurtosis(x: np.ndarray) -> float:
    """Fisher (excess) kurtosis; NaN for constant values instead of scipy's precision warning."""
    return float(stats.kurtosis(x)) if x.size >= 4 and np.ptp(x) > 0 else float("nan")


def moments(paths: np.ndarray) -> dict[str, float]:
    """Pooled mean, standard deviation, skewness and excess kurtosis of every value in ``paths`` (NaN if constant)."""
    x = paths.ravel()
    constant = np.ptp(x) == 0
    return {"mean": float(x.mean()), "std": float(x.std()),
            "skew": float("nan") if constant else float(stats.skew(x)), "kurtosis": _excess_kurtosis(x)}


def hill_tail_index(values: np.ndarray, *, tail_fraction: float = TAIL_FRACTION, min_k: int = MIN_TAIL_K) -> float:
    """Hill estimator of the tail index of the positive values in ``values``.

    ``alpha = 1 / mean(log(x_(i) / x_(k+1)), i = 1..k)`` over the ``k`` largest values
    ``x_(1) >= ... >= x_(k)``, ``k = max(min_k, round(tail_fraction * m))`` of the ``m``
    positive values. A Pareto(alpha) sample gives about ``alpha``; NaN when ``m <= k``.
    """
    x = np.asarray(values, dtype=np.float64).ravel()
    x = x[x > 0]
    k = max(int(min_k), int(round(tail_fraction * x.size)))
    if x.size <= k:
        return float("nan")
    top = -np.partition(-x, k)[: k + 1]  # the k + 1 largest values, the (k+1)-th at index k
    top.sort()
    threshold, tail = top[0], top[1:]
    mean_log = float(np.mean(np.log(tail / threshold)))
    return 1.0 / mean_log if mean_log > 0 else float("nan")


def tail_indices(paths: np.ndarray, *, tail_fraction: float = TAIL_FRACTION) -> dict[str, float]:
    """Hill tail indices of ``|r|``, of the losses (``-r`` where ``r < 0``) and of the gains."""
    x = paths.ravel()
    return {"abs": hill_tail_index(np.abs(x), tail_fraction=tail_fraction),
            "left": hill_tail_index(-x, tail_fraction=tail_fraction),
            "right": hill_tail_index(x, tail_fraction=tail_fraction)}


def _lagged_products(a: np.ndarray, b: np.ndarray, max_lag: int) -> np.ndarray:
    """``out[p, k] = sum_t a[p, t] * b[p, t + k]`` for ``k = 0..max_lag`` (FFT, per path)."""
    length = a.shape[1]
    size = 1 << int(np.ceil(np.log2(2 * length)))
    fa, fb = np.fft.rfft(a, size, axis=1), np.fft.rfft(b, size, axis=1)
    out = np.fft.irfft(np.conj(fa) * fb, size, axis=1)[:, : max_lag + 1]
    return out


def _pairs(length: int, max_lag: int) -> np.ndarray:
    lags = np.arange(max_lag + 1)
    return np.where(lags < length, length - lags, np.nan)


def acf(paths: np.ndarray, max_lag: int = MAX_LAG) -> dict[str, np.ndarray]:
    """Autocorrelation at lags ``0..max_lag``, pooled over paths and averaged over paths.

    Pooled: one mean and variance over all values, lag-``k`` products summed over all
    within-path pairs and divided by their number. Per path: each path's own mean and
    variance, then the mean over paths. Lags ``>= length`` are NaN.

    Returns
    -------
    dict with ``"pooled"`` and ``"path_mean"``, arrays of shape (max_lag + 1,)
    """
    n, length = paths.shape
    pairs = _pairs(length, max_lag)
    pooled_c = paths - paths.mean()
    own = paths - paths.mean(axis=1, keepdims=True)
    var = own.var(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):  # constant paths: NaN
        pooled = _lagged_products(pooled_c, pooled_c, max_lag).sum(axis=0) / (n * pairs) / pooled_c.var()
        per_path = _lagged_products(own, own, max_lag) / pairs / var[:, None]
    per_path = per_path[var > 0]
    path_mean = per_path.mean(axis=0) if len(per_path) else np.full(max_lag + 1, np.nan)
    return {"pooled": pooled, "path_mean": path_mean}


def leverage(paths: np.ndarray, max_lag: int = LEVERAGE_LAGS) -> dict[str, np.ndarray]:
    """Leverage ``L(k) = E[r_t r_{t+k}^2] / E[r_t^2]^2`` and ``corr(r_t, r_{t+k}^2)`` for ``k = 1..max_lag``.

    Bouchaud's ``L`` uses raw returns and pooled within-path pairs; its per-path
    average is ``"path_mean"``. ``"correlation"`` is the pooled Pearson correlation
    (pooled means and standard deviations of ``r`` and ``r^2``). Negative values:
    falls predict higher future volatility.

    Returns
    -------
    dict with ``"pooled"``, ``"path_mean"`` and ``"correlation"``, arrays of shape (max_lag,)
    """
    n, length = paths.shape
    sq = paths * paths
    pairs = _pairs(length, max_lag)[1:]
    products = _lagged_products(paths, sq, max_lag)[:, 1:]
    m2 = sq.mean()
    path_m2 = sq.mean(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):  # all-zero returns: NaN
        pooled = products.sum(axis=0) / (n * pairs) / m2**2
        per_path = products / pairs / path_m2[:, None] ** 2
    per_path = per_path[path_m2 > 0]
    path_mean = per_path.mean(axis=0) if len(per_path) else np.full(max_lag, np.nan)
    sd_r, sd_sq = paths.std(), sq.std()
    with np.errstate(invalid="ignore", divide="ignore"):
        correlation = (products.sum(axis=0) / (n * pairs) - paths.mean() * m2) / (sd_r * sd_sq)
    return {"pooled": pooled, "path_mean": path_mean, "correlation": correlation}


def aggregated_sums(paths: np.ndarray, horizon: int) -> np.ndarray:
    """Non-overlapping ``horizon``-step sums within each path (a path's incomplete last block is dropped)."""
    n, length = paths.shape
    blocks = length // horizon
    return paths[:, : blocks * horizon].reshape(n, blocks, horizon).sum(axis=2).ravel()


def aggregational_gaussianity(paths: np.ndarray, horizons: Sequence[int] = HORIZONS) -> dict[str, float]:
    """Excess kurtosis of the non-overlapping ``h``-step sums, per horizon (NaN with fewer than 4 sums)."""
    out = {}
    for h in horizons:
        sums = aggregated_sums(paths, h)
        out[str(h)] = _excess_kurtosis(sums)
    return out


def wasserstein_sums(real: np.ndarray, synthetic: np.ndarray, horizons: Sequence[int] = HORIZONS) -> dict[str, float]:
    """Wasserstein-1 distance between real and synthetic ``h``-step sums, per horizon (units of r)."""
    out = {}
    for h in horizons:
        a, b = aggregated_sums(real, h), aggregated_sums(synthetic, h)
        out[str(h)] = float(stats.wasserstein_distance(a, b)) if a.size and b.size else float("nan")
    return out


def returns_statistics(paths: np.ndarray, *, max_lag: int = MAX_LAG, leverage_lags: int = LEVERAGE_LAGS,
                       horizons: Sequence[int] = HORIZONS, tail_fraction: float = TAIL_FRACTION) -> dict[str, Any]:
    """Every stylized fact of one set of univariate paths ``(n_paths, length)``.

    Parameters
    ----------
    paths : ndarray of shape (n_paths, length)
        Returns, one path per row (a single history is ``(1, T)``).
    max_lag : int, default=100
        Last ACF lag.
    leverage_lags : int, default=20
        Leverage is computed for lags ``1..leverage_lags``.
    horizons : sequence of int, default=(1, 5, 20)
        Aggregation horizons for the kurtosis of sums.
    tail_fraction : float, default=0.05
        Share of each tail used by the Hill estimator.

    Returns
    -------
    dict
        ``moments``, ``tail_index`` (abs/left/right), ``acf`` (``r``, ``abs``, ``sq``: pooled
        lists over lags ``0..max_lag``), ``acf_path_mean`` (same, averaged over paths),
        ``leverage``, ``leverage_path_mean``, ``leverage_correlation`` (lags 1..K),
        ``kurtosis_of_sums`` (per horizon), ``n_paths``, ``length``. NumPy values; pass
        through :func:`synthgan.evaluation.base.json_safe` for JSON.
    """
    series = {"r": paths, "abs": np.abs(paths), "sq": paths * paths}
    acfs = {key: acf(x, max_lag) for key, x in series.items()}
    lev = leverage(paths, leverage_lags)
    return {
        "n_paths": int(paths.shape[0]), "length": int(paths.shape[1]),
        "moments": moments(paths), "tail_index": tail_indices(paths, tail_fraction=tail_fraction),
        "acf": {key: a["pooled"] for key, a in acfs.items()},
        "acf_path_mean": {key: a["path_mean"] for key, a in acfs.items()},
        "leverage": lev["pooled"], "leverage_path_mean": lev["path_mean"],
        "leverage_correlation": lev["correlation"],
        "kurtosis_of_sums": aggregational_gaussianity(paths, horizons),
    }
