"""A one-dimensional Gaussian mixture fitted by EM, vectorised in numpy.

scikit-learn's ``BayesianGaussianMixture`` takes about a second per column on
10k values here, too slow for the encoder's speed target. In one dimension EM is
a few array operations per iteration. A sparse Dirichlet prior (each component
pays a fixed count per iteration, as a Dirichlet-process prior does) lets
redundant components die, so simple columns end up with few modes. The result is
plain arrays (weights, means, stds): nothing to pickle.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_LOG_SQRT_2PI = 0.5 * np.log(2.0 * np.pi)


@dataclass
class Mixture:
    """Weights, means and standard deviations of a 1-D Gaussian mixture, sorted by mean."""

    weights: np.ndarray
    means: np.ndarray
    stds: np.ndarray

    @property
    def n_modes(self) -> int:
        return int(self.means.size)

    def log_density(self, x: np.ndarray) -> np.ndarray:
        """``log(w_k N(x | mu_k, sd_k))`` for every value and mode, shape ``(n, K)``."""
        z = (x[:, None] - self.means[None, :]) / self.stds[None, :]
        return np.log(self.weights)[None, :] - np.log(self.stds)[None, :] - _LOG_SQRT_2PI - 0.5 * z * z

    def posterior(self, x: np.ndarray) -> np.ndarray:
        """Probability of each mode given each value, shape ``(n, K)``."""
        logp = self.log_density(x)
        logp -= logp.max(axis=1, keepdims=True)
        p = np.exp(logp)
        return p / p.sum(axis=1, keepdims=True)


def fit_mixture(
    x: np.ndarray,
    *,
    max_modes: int = 10,
    weight_threshold: float = 0.005,
    min_std: float = 0.0,
    max_iter: int = 100,
    tol: float = 1e-3,
) -> Mixture:
    """Fit a mixture of at most ``max_modes`` Gaussians to the values ``x``.

    Parameters
    ----------
    x : numpy.ndarray
        1-D float64 values (no NaN); subsample big columns before calling.
    max_modes : int, default=10
        Starting number of components (fewer if ``x`` has fewer distinct values).
    weight_threshold : float, default=0.005
        Components whose weight falls below this are removed.
    min_std : float, default=0.0
        Floor on component standard deviations (e.g. ``1/sqrt(12)`` for integers,
        so a component cannot collapse onto one lattice value).
    max_iter : int, default=100
        EM iterations at most.
    tol : float, default=1e-5
        Stop when the mean log-likelihood improves by less than this.
    """
    x = np.asarray(x, dtype=np.float64)
    spread = float(x.std())
    floor = max(min_std, 1e-6 * spread, 1e-12)
    # Quantile starts are deterministic and put components where the mass is.
    means = np.unique(np.quantile(x, (np.arange(max_modes) + 0.5) / max_modes))
    k = means.size
    mix = Mixture(np.full(k, 1.0 / k), means, np.full(k, max(spread / k, floor)))
    n = x.size
    # Sparse Dirichlet prior: each component pays this many "points" per iteration.
    penalty = 0.5 * weight_threshold * n
    previous = -np.inf
    for _ in range(max_iter):
        logp = mix.log_density(x)
        top = logp.max(axis=1, keepdims=True)
        resp = np.exp(logp - top)
        total = resp.sum(axis=1, keepdims=True)
        loglik = float(np.mean(np.log(total[:, 0]) + top[:, 0]))
        resp /= total
        counts = resp.sum(axis=0)
        keep = counts - penalty > 0
        keep &= counts / n >= weight_threshold
        if not keep.any():
            keep[np.argmax(counts)] = True
        counts, resp = counts[keep], resp[:, keep]
        means = (resp * x[:, None]).sum(axis=0) / counts
        var = (resp * (x[:, None] - means[None, :]) ** 2).sum(axis=0) / counts
        weights = np.maximum(counts - penalty, 1e-12)
        mix = Mixture(weights / weights.sum(), means, np.sqrt(np.maximum(var, floor**2)))
        if keep.all() and abs(loglik - previous) < tol:
            break
        previous = loglik
    order = np.argsort(mix.means, kind="stable")
    return Mixture(mix.weights[order], mix.means[order], mix.stds[order])
