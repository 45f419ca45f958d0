"""Predictive score (TimeGAN's train-on-synthetic, test-on-real): next-step volatility forecast.

A predictor of ``|r_{t+1}|`` from the previous ``lags`` returns is trained on windows cut
from the synthetic paths and tested on windows of the real held-out series; its mean
absolute error (in the units of r; tables show it x1e3) is compared with the same
predictor trained on the real training series ("real-trained", the reference a perfect
generator would match).

The predictor is LightGBM with the L1 objective (the score is an MAE, so the model fits
the conditional median), on the ``lags`` previous returns and their absolute values:
deterministic for a seed, single-threaded and seconds on CPU, where a GRU would need
many epochs to reach the same error. With ``d > 1`` one model per dimension predicts
that dimension's ``|r|`` from all dimensions' lags, and the MAE is averaged over
dimensions. Training windows overlap (step 1) and are capped at ``max_train_windows``
(a seeded subsample); test windows are every window of the holdout.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from synthgan._random import child_seed, numpy_rng
from synthgan.errors import DataValidationError
from synthgan.timeseries.evaluation.stylized import windows

LAGS = 20
MAX_TRAIN_WINDOWS = 50_000
MIN_WINDOWS = 20


def _features(cut: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Windows ``(n, lags + 1, d)`` -> features ``(n, 2 * lags * d)`` and targets ``|r_{t+1}|`` ``(n, d)``."""
    past = cut[:, :-1].reshape(len(cut), (cut.shape[1] - 1) * cut.shape[2])
    return np.hstack([past, np.abs(past)]), np.abs(cut[:, -1])


def _training_set(paths: np.ndarray, lags: int, max_windows: int, rng: np.random.Generator):
    """Every window of ``lags + 1`` steps, or a seeded subsample of ``max_windows`` (drawn before cutting)."""
    n, steps, _ = paths.shape
    per_path = max(steps - lags, 0)
    chosen = np.arange(n * per_path)
    if len(chosen) > max_windows:
        chosen = np.sort(rng.choice(len(chosen), max_windows, replace=False))
    path, start = np.divmod(chosen, max(per_path, 1))
    return _features(paths[path[:, None], start[:, None] + np.arange(lags + 1)])


def _fit_predict(x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray, seed: int,
                 n_estimators: int) -> np.ndarray:
    import lightgbm as lgb

    out = np.empty((len(x_test), y_train.shape[1]))
    for j in range(y_train.shape[1]):  # one model per dimension
        model = lgb.LGBMRegressor(objective="l1", n_estimators=n_estimators, learning_rate=0.05, num_leaves=15,
                                  min_child_samples=20, subsample=0.8, subsample_freq=1, n_jobs=1,
                                  random_state=child_seed(seed, "predictive", str(j)) % 2**31,
                                  deterministic=True, force_row_wise=True, verbose=-1)
        model.fit(x_train, y_train[:, j])
        out[:, j] = model.predict(x_test)
    return out


def predictive_score(real_train: np.ndarray, synthetic: np.ndarray, real_holdout: np.ndarray, *, lags: int = LAGS,
                     seed: int = 0, n_estimators: int = 200,
                     max_train_windows: int = MAX_TRAIN_WINDOWS) -> dict[str, Any]:
    """Holdout MAE of a next-step ``|r|`` predictor trained on synthetic vs on real data.

    Parameters
    ----------
    real_train, synthetic, real_holdout : ndarray of shape (n_paths, length, d)
        Paths (see :func:`~synthgan.timeseries.evaluation.stylized.as_paths`).
    lags : int, default=20
        Number of previous returns the predictor sees.
    seed : int, default=0
        Seeds the training subsample and the models.
    n_estimators : int, default=200
        LightGBM trees.
    max_train_windows : int, default=50000
        Cap on training windows per source.

    Returns
    -------
    dict
        ``mae_synthetic_trained`` (TSTR), ``mae_real_trained`` (reference), ``mae_ratio``
        (TSTR / reference, 1 is ideal), ``mae_median_baseline`` (predicting the real training
        median of ``|r|``: a model worse than this learned nothing), window counts and ``lags``.
    """
    rng = numpy_rng(seed, "predictive", "subsample")
    x_real, y_real = _training_set(real_train, lags, max_train_windows, rng)
    x_synth, y_synth = _training_set(synthetic, lags, max_train_windows, rng)
    x_test, y_test = _features(windows(real_holdout, lags + 1, step=1))
    for name, n in (("real training series", len(x_real)), ("synthetic paths", len(x_synth)),
                    ("real holdout series", len(x_test))):
        if n < MIN_WINDOWS:
            raise DataValidationError(f"the predictive score needs at least {MIN_WINDOWS} windows of {lags + 1} "
                                      f"steps from the {name}, got {n}; pass longer series or fewer lags")
    mae_synth = float(np.abs(_fit_predict(x_synth, y_synth, x_test, seed, n_estimators) - y_test).mean())
    mae_real = float(np.abs(_fit_predict(x_real, y_real, x_test, seed, n_estimators) - y_test).mean())
    baseline = float(np.abs(np.median(y_real, axis=0) - y_test).mean())
    return {"mae_synthetic_trained": mae_synth, "mae_real_trained": mae_real,
            "mae_ratio": mae_synth / mae_real if mae_real > 0 else float("nan"),
            "mae_median_baseline": baseline, "lags": int(lags), "predictor": "lightgbm (L1 objective)",
            "n_train_windows_synthetic": int(len(x_synth)), "n_train_windows_real": int(len(x_real)),
            "n_test_windows": int(len(x_test))}
