"""Discriminative score: can a post-hoc classifier tell real windows from synthetic ones?

Equal numbers of real and synthetic windows (``window`` steps each) are drawn, split
into a train and a test part per class, and a classifier is trained on the first and
scored on the second. The score is ``|accuracy - 0.5|``: 0 means indistinguishable,
0.5 trivially separable (TimeGAN, Yoon et al. 2019). Each of ``repetitions`` runs
draws its own subsample, split and model seed; the mean and standard deviation are
reported. Two classifiers:

* ``"lightgbm"``: LightGBM on per-window features (:func:`window_features`: moments,
  quantiles, range, ACF of ``r`` and ``|r|`` at lags 1, 2, 5, maximum drawdown, and
  the lag-0 cross-correlations when ``d > 1``);
* ``"gru"``: TimeGAN's post-hoc classifier, a one-layer GRU (``hidden`` units) whose last
  state feeds a linear logit, trained with Adam on binary cross-entropy. Inputs are
  standardised with the train split's mean and standard deviation (the same for both
  classes, so scale differences stay visible). Weights, batches and the split come from
  generators derived from ``seed``; global random state is left alone. The GRU trains
  inside ``threadpoolctl.threadpool_limits(1)`` (restored on exit, torch's setting is not
  changed for the caller): on a busy 2-core machine a 2-thread step of this tiny network
  measured 30x slower (190 ms vs 6 ms) than a 1-thread one, as for LightGBM in
  :mod:`synthgan.evaluation._learners`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from synthgan._random import child_seed, numpy_rng, torch_generator
from synthgan.errors import ConfigError, DataValidationError

FEATURE_LAGS = (1, 2, 5)
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
CLASSIFIERS = ("lightgbm", "gru")
MIN_WINDOWS = 10


def _window_acf(centered: np.ndarray, var: np.ndarray, lag: int) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return (centered[:, :-lag] * centered[:, lag:]).mean(axis=1) / var


def max_drawdown(windows: np.ndarray) -> np.ndarray:
    """Largest fall of the cumulative sum from its running peak (0 included), per window and dimension."""
    cum = np.cumsum(windows, axis=1)
    peak = np.maximum.accumulate(np.maximum(cum, 0.0), axis=1)
    return (peak - cum).max(axis=1)


def window_features(windows: np.ndarray) -> np.ndarray:
    """Summary features of each window ``(n, length, d)`` -> ``(n, n_features)`` (NaN where undefined)."""
    n, length, d = windows.shape
    mean, std = windows.mean(axis=1), windows.std(axis=1)
    centered = windows - mean[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        skew = (centered**3).mean(axis=1) / std**3
        kurt = (centered**4).mean(axis=1) / std**4 - 3.0
    parts = [mean, std, skew, kurt, windows.min(axis=1), windows.max(axis=1), np.abs(windows).mean(axis=1),
             max_drawdown(windows), windows[:, -1]]
    parts += list(np.quantile(windows, QUANTILES, axis=1))
    absolute = np.abs(windows)
    abs_centered = absolute - absolute.mean(axis=1, keepdims=True)
    for lag in (lag for lag in FEATURE_LAGS if lag < length):
        parts.append(_window_acf(centered, std**2, lag))
        parts.append(_window_acf(abs_centered, absolute.var(axis=1), lag))
    if d > 1:
        with np.errstate(invalid="ignore", divide="ignore"):
            z = centered / std[:, None]
        rows, cols = np.triu_indices(d, 1)
        parts.append(np.einsum("ntd,nte->nde", z, z)[:, rows, cols] / length)
    return np.concatenate(parts, axis=1)


def _balanced_split(n_real: int, n_synth: int, test_fraction: float, rng: np.random.Generator):
    n = min(n_real, n_synth)
    n_test = max(1, int(round(test_fraction * n)))
    real, synth = rng.permutation(n_real)[:n], rng.permutation(n_synth)[:n]
    return (real[n_test:], synth[n_test:]), (real[:n_test], synth[:n_test])


def _stack(real: np.ndarray, synth: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    labels = np.r_[np.zeros(len(real)), np.ones(len(synth))]
    return np.concatenate([real, synth]), labels


def _lightgbm_accuracy(train, test, seed: int) -> float:
    from synthgan.evaluation._learners import fit_lgbm

    x_train, y_train = train
    x_test, y_test = test
    model = fit_lgbm(x_train, y_train.astype(np.int64), [], task="classification", seed=seed % 2**31, n_estimators=100)
    return float((model.predict(x_test) == y_test).mean())


def _gru_accuracy(train, test, seed: int, *, hidden: int, epochs: int, batch_size: int) -> float:
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        return _train_gru(train, test, seed, hidden=hidden, epochs=epochs, batch_size=batch_size)


def _train_gru(train, test, seed: int, *, hidden: int, epochs: int, batch_size: int) -> float:
    import torch
    from torch import nn

    from synthgan.core.layers import seeded_linear

    gen = torch_generator(seed, "discriminative", "gru")
    x_train, y_train = train
    mean, std = x_train.mean(axis=(0, 1)), x_train.std(axis=(0, 1))
    std = np.where(std > 0, std, 1.0)
    xt = torch.as_tensor((x_train - mean) / std, dtype=torch.float32)
    yt = torch.as_tensor(y_train, dtype=torch.float32)
    # Built on the meta device (nothing drawn from torch's global generator), then allocated and filled.
    gru = nn.GRU(xt.shape[2], hidden, batch_first=True, device="meta").to_empty(device="cpu")
    bound = 1.0 / np.sqrt(hidden)
    with torch.no_grad():
        for weight in gru.parameters():  # PyTorch's default U(-1/sqrt(h), 1/sqrt(h)), from our generator
            weight.uniform_(-bound, bound, generator=gen)
    head = seeded_linear(hidden, 1, gen)
    params = list(gru.parameters()) + list(head.parameters())
    optimizer = torch.optim.Adam(params, lr=1e-3)
    loss_fn = nn.BCEWithLogitsLoss()

    def logits(x: torch.Tensor) -> torch.Tensor:
        return head(gru(x)[1][-1]).squeeze(1)

    for _ in range(epochs):
        order = torch.randperm(len(xt), generator=gen)
        for start in range(0, len(xt), batch_size):
            rows = order[start:start + batch_size]
            optimizer.zero_grad()
            loss_fn(logits(xt[rows]), yt[rows]).backward()
            optimizer.step()
    x_test, y_test = test
    with torch.no_grad():
        predicted = logits(torch.as_tensor((x_test - mean) / std, dtype=torch.float32)).numpy() > 0
    return float((predicted == y_test.astype(bool)).mean())


def discriminative_score(real_windows: np.ndarray, synthetic_windows: np.ndarray, *, classifier: str = "lightgbm",
                         repetitions: int = 3, test_fraction: float = 0.25, seed: int = 0, hidden: int = 16,
                         epochs: int = 30, batch_size: int = 64) -> dict[str, Any]:
    """``|accuracy - 0.5|`` of a classifier telling real from synthetic windows, over repetitions.

    Parameters
    ----------
    real_windows, synthetic_windows : ndarray of shape (n, window, d)
        Windows of returns (see :func:`~synthgan.timeseries.evaluation.stylized.windows`).
    classifier : {"lightgbm", "gru"}, default="lightgbm"
        LightGBM on :func:`window_features`, or TimeGAN's post-hoc GRU.
    repetitions : int, default=3
        Independent runs (subsample, split and model seed each).
    test_fraction : float, default=0.25
        Share of each class held out for the accuracy.
    seed : int, default=0
        Seeds everything.
    hidden, epochs, batch_size : int
        GRU size and training length (ignored by LightGBM).

    Returns
    -------
    dict
        ``score_mean``, ``score_std`` (over repetitions), ``scores``, ``accuracies``,
        ``n_windows_per_class``, ``n_train_per_class``, ``n_test_per_class``, ``classifier``.
    """
    if classifier not in CLASSIFIERS:
        raise ConfigError(f"classifier must be one of {CLASSIFIERS}, got {classifier!r}")
    if isinstance(repetitions, bool) or int(repetitions) < 1 or not 0 < test_fraction < 1:
        raise ConfigError("repetitions must be >= 1 and test_fraction strictly between 0 and 1; "
                          f"got {repetitions!r} and {test_fraction!r}")
    if real_windows.shape[1:] != synthetic_windows.shape[1:]:
        raise DataValidationError(f"real and synthetic windows differ in shape: {real_windows.shape[1:]} vs "
                                  f"{synthetic_windows.shape[1:]}; cut both with the same window and dimensions")
    n = min(len(real_windows), len(synthetic_windows))
    if n < MIN_WINDOWS:
        raise DataValidationError(f"the discriminative score needs at least {MIN_WINDOWS} windows of each kind, "
                                  f"got {len(real_windows)} real and {len(synthetic_windows)} synthetic; "
                                  "pass longer series or a shorter window")
    if classifier == "lightgbm":
        real_x, synth_x = window_features(real_windows), window_features(synthetic_windows)
    else:
        real_x, synth_x = real_windows, synthetic_windows
    accuracies = []
    for rep in range(int(repetitions)):
        rng = numpy_rng(seed, "discriminative", "split", str(rep))
        (tr_r, tr_s), (te_r, te_s) = _balanced_split(len(real_x), len(synth_x), test_fraction, rng)
        train, test = _stack(real_x[tr_r], synth_x[tr_s]), _stack(real_x[te_r], synth_x[te_s])
        model_seed = child_seed(seed, "discriminative", classifier, str(rep))
        if classifier == "lightgbm":
            accuracies.append(_lightgbm_accuracy(train, test, model_seed))
        else:
            accuracies.append(_gru_accuracy(train, test, model_seed, hidden=hidden, epochs=epochs,
                                            batch_size=batch_size))
    scores = np.abs(np.array(accuracies) - 0.5)
    return {"classifier": classifier, "score_mean": float(scores.mean()), "score_std": float(scores.std()),
            "scores": scores.tolist(), "accuracies": accuracies, "n_windows_per_class": int(n),
            "n_train_per_class": int(len(tr_r)), "n_test_per_class": int(len(te_r)), "repetitions": int(repetitions)}
