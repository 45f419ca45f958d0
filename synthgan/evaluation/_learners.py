"""LightGBM models and feature frames shared by the detection, utility and fairness metrics.

Every model is seeded from the evaluation seed (no global random state) and sees
categorical columns as integer codes declared categorical, so LightGBM splits on
category sets instead of on an arbitrary order.

Models run on one thread: on a busy 2-core machine, OpenMP/OpenBLAS worker threads
spin-wait and a 2-thread LightGBM fit measured 20x slower than a 1-thread one
(20 s vs 0.9 s on 20k Adult rows); single-threaded fits are fast enough here.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from synthgan.evaluation._prep import CONTINUOUS, numeric_values, shared_codes

N_JOBS = 1


def single_threaded_blas():
    """Context manager: BLAS on one thread while a scikit-learn model fits (see module docstring)."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")


def feature_frames(frames: Sequence[pd.DataFrame], kinds: dict[str, str],
                   columns: Sequence[str]) -> tuple[list[pd.DataFrame], list[str]]:
    """LightGBM-ready copies of ``frames`` over ``columns`` and the names of categorical ones.

    Categorical codes are shared across all frames (the same value gets the same
    code everywhere); missing values stay NaN for LightGBM to route.
    """
    outs: list[dict[str, np.ndarray]] = [{} for _ in frames]
    categorical: list[str] = []
    for name in columns:
        if kinds[name] in CONTINUOUS:
            for out, frame in zip(outs, frames):
                out[name] = numeric_values(frame[name])
        else:
            categorical.append(name)
            codes, _ = shared_codes([frame[name] for frame in frames])
            for out, code in zip(outs, codes):
                out[name] = np.where(code < 0, np.nan, code.astype(np.float64))
    return [pd.DataFrame(out, columns=list(columns)) for out in outs], categorical


def _params(seed: int, n_estimators: int) -> dict:
    return dict(n_estimators=n_estimators, learning_rate=0.1, num_leaves=31, min_child_samples=20,
                subsample=0.8, subsample_freq=1, colsample_bytree=0.9, n_jobs=N_JOBS,
                random_state=seed, deterministic=True, force_row_wise=True, verbose=-1)


def fit_lgbm(x: pd.DataFrame, y: np.ndarray, categorical: list[str], *, task: str, seed: int,
             n_estimators: int = 150):
    """Fit a LightGBM classifier (``task="classification"``) or regressor; returns the model."""
    import lightgbm as lgb

    cls = lgb.LGBMClassifier if task == "classification" else lgb.LGBMRegressor
    model = cls(**_params(seed, n_estimators))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # LightGBM notes about categorical handling
        model.fit(x, y, categorical_feature=categorical or "auto")
    return model


def gain_importance(model, columns: Sequence[str]) -> dict[str, float]:
    """Share of the total split gain per column (sums to 1, or all 0 for a model without splits)."""
    gains = model.booster_.feature_importance(importance_type="gain").astype(np.float64)
    total = gains.sum()
    shares = gains / total if total > 0 else gains
    return {name: float(s) for name, s in zip(columns, shares)}
