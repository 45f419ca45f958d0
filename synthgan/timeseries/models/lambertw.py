"""Heavy-tail Lambert W x Gaussian transform (Goerg 2015), per feature, as in Quant GANs.

Daily log returns have tails far heavier than a Gaussian (kurtosis near 30 for the
S&P 500). A generator whose last layer is linear learns such tails badly, so the
returns are *gaussianised* before training and the tails put back after sampling:

* ``z = (y - mu) / sigma`` is modelled as ``z = u * exp(delta * u**2 / 2)`` with ``u``
  standard Gaussian (the "h" transform, ``delta >= 0`` the tail heaviness), with one
  ``delta`` for each tail (the "hh" transform: crashes are larger than rallies);
* the inverse, ``u = sign(z) * sqrt(W(delta * z**2) / delta)`` with ``W`` the principal
  branch of Lambert's W, gaussianises the data; it is re-standardised so that the
  networks see mean 0 and variance 1;
* sampling maps network outputs back with the explicit forward transform.

``mu``, ``sigma`` and the two ``delta`` are fitted per feature by maximum likelihood
(:func:`scipy.optimize.minimize`, vectorised over the steps). The forward transform
grows like ``exp(delta u**2 / 2)``, so generated values are soft-limited to a little beyond
the largest gaussianised training value (``bound``): a stray output never turns into an
astronomically large return.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize, special

MAX_DELTA = 2.0
MAX_FIT_POINTS = 200_000  # evenly spaced points per feature for the likelihood (fit time stays flat)
BOUND_MARGIN = 1.03  # soft limit: this many times the largest |gaussianised| training value


def _side_deltas(x: np.ndarray, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Per element: the left-tail delta where ``x < 0``, else the right-tail one (per last-axis feature)."""
    return np.where(x < 0, np.asarray(left, dtype=np.float64), np.asarray(right, dtype=np.float64))


def gaussianize(z: np.ndarray, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """``W_delta(z)``: the inverse heavy-tail transform of standardised values (float64).

    ``left`` and ``right`` are the tail parameters of each last-axis feature, for
    negative and positive values (Goerg's double-tail "hh" transform; equal for "h").
    """
    z = np.asarray(z, dtype=np.float64)
    delta = _side_deltas(z, left, right)
    safe = np.maximum(delta, 1e-12)
    u = np.sign(z) * np.sqrt(special.lambertw(safe * z * z).real / safe)
    return np.where(delta > 1e-10, u, z)


def heavy_tail(u: np.ndarray, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """``u * exp(delta * u**2 / 2)``: the forward transform (inverse of :func:`gaussianize`)."""
    u = np.asarray(u, dtype=np.float64)
    return u * np.exp(0.5 * _side_deltas(u, left, right) * u * u)


def _negative_log_likelihood(params: np.ndarray, y: np.ndarray) -> float:
    mu, log_sigma, left, right = params
    z = (y - mu) * np.exp(-log_sigma)
    u = gaussianize(z, left, right)
    delta = np.where(z < 0, left, right)
    # log p(y) = log phi(u) - log|dz/du| - log sigma, with dz/du = exp(delta u^2 / 2) (1 + delta u^2)
    log_p = -0.5 * u * u * (1.0 + delta) - np.log1p(delta * u * u) - log_sigma - 0.5 * np.log(2 * np.pi)
    return float(-log_p.mean())


def fit_heavy_tail(y: np.ndarray) -> tuple[float, float, float, float]:
    """Maximum-likelihood ``(mu, sigma, delta_left, delta_right)`` of a Lambert W x Gaussian hh-distribution for 1-D ``y``."""
    y = np.asarray(y, dtype=np.float64)
    if len(y) > MAX_FIT_POINTS:
        y = y[np.linspace(0, len(y) - 1, MAX_FIT_POINTS).astype(np.int64)]
    scale = float(y.std()) if len(y) else 0.0
    if not np.isfinite(scale) or scale <= 0.0:
        return float(y.mean()) if len(y) else 0.0, 1.0, 0.0, 0.0
    median = float(np.median(y))
    mad = float(np.median(np.abs(y - median))) * 1.4826 or scale
    start = np.array([median, np.log(mad), 0.1, 0.1])
    bounds = [(median - 3 * scale, median + 3 * scale), (np.log(scale) - 5, np.log(scale) + 2), (0.0, MAX_DELTA), (0.0, MAX_DELTA)]
    result = optimize.minimize(_negative_log_likelihood, start, args=(y,), method="L-BFGS-B", bounds=bounds)
    mu, log_sigma, left, right = result.x
    return float(mu), float(np.exp(log_sigma)), float(left), float(right)


def soft_limit(g: np.ndarray, bound: np.ndarray) -> np.ndarray:
    """The identity up to ``bound / BOUND_MARGIN`` (the training range), then smoothly saturating at ``bound``."""
    knee = bound / BOUND_MARGIN
    excess = np.abs(g) - knee
    limited = np.sign(g) * (knee + (bound - knee) * np.tanh(np.maximum(excess, 0.0) / (bound - knee)))
    return np.where(excess > 0, limited, g)


@dataclass
class HeavyTailGaussianizer:
    """Per-feature heavy-tail transform: ``fit`` learns it, ``transform`` gaussianises, ``inverse`` restores tails.

    Attributes
    ----------
    mu, sigma : ndarray of shape (width,)
        Location and scale of each feature's Lambert W x Gaussian fit.
    delta_left, delta_right : ndarray of shape (width,)
        Tail heaviness below and above ``mu`` (the S&P 500's left tail is the heavier).
    u_mean, u_std : ndarray of shape (width,)
        Moments of the gaussianised training values (re-standardisation).
    bound : ndarray of shape (width,)
        Soft limit on the re-standardised values passed to :meth:`inverse` (see :func:`soft_limit`).
    """

    mu: np.ndarray
    sigma: np.ndarray
    delta_left: np.ndarray
    delta_right: np.ndarray
    u_mean: np.ndarray
    u_std: np.ndarray
    bound: np.ndarray

    FIELDS = ("mu", "sigma", "delta_left", "delta_right", "u_mean", "u_std", "bound")

    @classmethod
    def fit(cls, values: np.ndarray) -> "HeavyTailGaussianizer":
        """Fit on ``values`` of shape ``(n_points, width)`` (every valid step of every series)."""
        values = np.asarray(values, dtype=np.float64)
        params = np.array([fit_heavy_tail(values[:, j]) for j in range(values.shape[1])]).reshape(-1, 4)
        mu, sigma, left, right = params.T
        u = gaussianize((values - mu) / sigma, left, right)
        u_mean, u_std = u.mean(axis=0), u.std(axis=0)
        u_std = np.where(u_std > 0, u_std, 1.0)
        bound = BOUND_MARGIN * np.abs((u - u_mean) / u_std).max(axis=0)
        return cls(mu, sigma, left, right, u_mean, u_std, np.maximum(bound, 1.0))

    def transform(self, values: np.ndarray) -> np.ndarray:
        """Gaussianised, re-standardised values (float32), same shape as ``values``."""
        u = gaussianize((np.asarray(values, dtype=np.float64) - self.mu) / self.sigma, self.delta_left, self.delta_right)
        return ((u - self.u_mean) / self.u_std).astype(np.float32)

    def inverse(self, g: np.ndarray) -> np.ndarray:
        """Values in the data's space (float32) for re-standardised gaussian-space values ``g``."""
        g = soft_limit(np.asarray(g, dtype=np.float64), self.bound)
        return (self.mu + self.sigma * heavy_tail(g * self.u_std + self.u_mean, self.delta_left, self.delta_right)).astype(np.float32)

    def arrays(self) -> dict[str, np.ndarray]:
        """The learned state, for a model's state arrays."""
        return {name: np.asarray(getattr(self, name), dtype=np.float64) for name in self.FIELDS}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> "HeavyTailGaussianizer":
        """Rebuild from :meth:`arrays`."""
        return cls(*(np.asarray(arrays[name], dtype=np.float64) for name in cls.FIELDS))


CALIBRATION_SCORES = np.linspace(-4.0, 4.0, 161)  # normal scores of the knots (probabilities 3.2e-5 .. 1 - 3.2e-5)
TAIL_KNOTS = 10  # beyond the end knots the map goes on with the slope over this many knots (one is too noisy)


@dataclass
class MarginalCalibration:
    """A monotone map of generated values onto the standard normal marginal the data were gaussianised to.

    A GAN reproduces dependence over time better than the exact one-step marginal (its
    outputs are often a few per cent too narrow, with too thin extremes); after the
    heavy-tail transform those errors become the wrong volatility and skewness. The map
    ``g -> s`` is piecewise linear through the generator's own quantiles at the normal
    scores :data:`CALIBRATION_SCORES` (estimated on a large sample after training) and
    extended linearly beyond them, so each feature's marginal becomes N(0, 1) while the
    ranks, hence the dependence, stay as generated.

    Attributes
    ----------
    knots : ndarray of shape (width, n_knots)
        Generated quantiles at :data:`CALIBRATION_SCORES`, strictly increasing per feature.
    """

    knots: np.ndarray

    @classmethod
    def fit(cls, generated: np.ndarray) -> "MarginalCalibration":
        """Knots from generated values of shape ``(n_points, width)``."""
        probs = special.ndtr(CALIBRATION_SCORES)
        knots = np.quantile(np.asarray(generated, dtype=np.float64), probs, axis=0).T
        spacing = 1e-6 * np.maximum(knots[:, -1:] - knots[:, :1], 1e-6)
        knots = np.maximum.accumulate(knots + spacing * np.arange(knots.shape[1]), axis=1)  # strictly increasing
        return cls(knots)

    @classmethod
    def identity(cls, width: int) -> "MarginalCalibration":
        return cls(np.tile(CALIBRATION_SCORES, (width, 1)))

    def __call__(self, g: np.ndarray) -> np.ndarray:
        """Calibrated values (float64), same shape as ``g`` (last axis: features)."""
        g = np.asarray(g, dtype=np.float64)
        out = np.empty_like(g)
        s = CALIBRATION_SCORES
        for j, k in enumerate(self.knots):
            x = g[..., j]
            inner = np.interp(x, k, s)
            t = TAIL_KNOTS
            low = s[0] + (x - k[0]) * (s[t] - s[0]) / (k[t] - k[0])
            high = s[-1] + (x - k[-1]) * (s[-1] - s[-1 - t]) / (k[-1] - k[-1 - t])
            out[..., j] = np.where(x < k[0], low, np.where(x > k[-1], high, inner))
        return out
