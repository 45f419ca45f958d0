"""Copying: are synthetic windows closer to the training series than fresh real windows are?

Every window of the real training series (all start positions, so a copied segment is
found wherever it starts) is a reference point. For each synthetic window and each
real held-out window, the Euclidean distance to its nearest training window is taken.
A generator that learned the distribution rather than the sample gives synthetic
distances like the holdout's: ``median(synthetic NN) / median(holdout NN)`` near 1,
well below 1 when it memorised. The exact-copy share is the share of synthetic windows
equal to a training window (largest absolute difference <= 1e-12).

Windows are divided by the real training standard deviation (per dimension) before the
search, so distances are in units of that volatility (the ratio does not depend on it);
the exact-copy test is done on the raw values. The search is exact and chunked
(:func:`synthgan.evaluation._neighbors.nearest`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from synthgan._random import numpy_rng
from synthgan.errors import DataValidationError
from synthgan.evaluation._neighbors import nearest
from synthgan.timeseries.evaluation.stylized import windows

EXACT_TOLERANCE = 1e-12
MAX_QUERY_WINDOWS = 10_000
N_QUANTILES = 21


def nearest_training_distance(query: np.ndarray, reference: np.ndarray, scale: np.ndarray
                              ) -> tuple[np.ndarray, np.ndarray]:
    """Scaled NN distance of each query window to the reference windows, and the raw max-abs difference.

    Parameters
    ----------
    query, reference : ndarray of shape (n, window, d) and (m, window, d)
    scale : ndarray of shape (d,)
        Per-dimension divisor applied before the search.

    Returns
    -------
    distances : ndarray of shape (n,)
    max_abs_difference : ndarray of shape (n,)
        Between each query window and its nearest reference window, unscaled.
    """
    q = (query / scale).reshape(len(query), -1)
    r = (reference / scale).reshape(len(reference), -1)
    distances, index = nearest(q, r, 1)
    gap = np.abs(query - reference[index[:, 0]]).reshape(len(query), -1).max(axis=1)
    return distances[:, 0], gap


def _cap(cut: np.ndarray, rng: np.random.Generator, cap: int) -> np.ndarray:
    return cut if len(cut) <= cap else cut[np.sort(rng.choice(len(cut), cap, replace=False))]


def copying_scores(real_train: np.ndarray, synthetic: np.ndarray, real_holdout: np.ndarray | None, *, window: int = 20,
                   seed: int = 0, max_query_windows: int = MAX_QUERY_WINDOWS) -> dict[str, Any]:
    """Nearest-training-window distances of synthetic and held-out windows, their ratio and exact copies.

    Parameters
    ----------
    real_train, synthetic : ndarray of shape (n_paths, length, d)
        Paths (see :func:`~synthgan.timeseries.evaluation.stylized.as_paths`).
    real_holdout : ndarray of shape (n_paths, length, d) or None
        Real paths not used in training (the yardstick); without it the ratio is None.
    window : int, default=20
        Window length.
    seed : int, default=0
        Seeds the subsample of query windows.
    max_query_windows : int, default=10000
        Cap on synthetic and on holdout windows (non-overlapping ones, then a subsample).

    Returns
    -------
    dict
        ``distance_ratio`` (median synthetic / median holdout NN distance, 1 is ideal),
        ``exact_copy_share``, ``median_synthetic``, ``median_holdout``, ``synthetic_quantiles``
        and ``holdout_quantiles`` (21 quantiles, 0 to 1), window counts.
    """
    reference = windows(real_train, window, step=1)
    if len(reference) == 0:
        raise DataValidationError(f"the real training series is shorter than the window ({window} steps); "
                                  "pass a longer series or a shorter window")
    rng = numpy_rng(seed, "copying", "subsample")
    query = _cap(windows(synthetic, window), rng, max_query_windows)
    if len(query) == 0:
        raise DataValidationError(f"the synthetic paths are shorter than the window ({window} steps); "
                                  "sample longer paths or pass a shorter window")
    scale = real_train.reshape(-1, real_train.shape[2]).std(axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    synth_d, gap = nearest_training_distance(query, reference, scale)
    probs = np.linspace(0.0, 1.0, N_QUANTILES)
    out: dict[str, Any] = {
        "window": int(window), "n_training_windows": int(len(reference)), "n_synthetic_windows": int(len(query)),
        "exact_copy_share": float((gap <= EXACT_TOLERANCE).mean()), "median_synthetic": float(np.median(synth_d)),
        "synthetic_quantiles": np.quantile(synth_d, probs).tolist(), "distance_ratio": None,
        "median_holdout": None, "holdout_quantiles": None, "n_holdout_windows": 0,
    }
    held = windows(real_holdout, window) if real_holdout is not None else np.empty((0,))
    if len(held):
        held = _cap(held, rng, max_query_windows)
        hold_d, _ = nearest_training_distance(held, reference, scale)
        median_hold = float(np.median(hold_d))
        out.update(median_holdout=median_hold, holdout_quantiles=np.quantile(hold_d, probs).tolist(),
                   n_holdout_windows=int(len(held)),
                   distance_ratio=float(out["median_synthetic"] / median_hold) if median_hold > 0 else None)
    return out
