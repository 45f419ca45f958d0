"""One privacy budget for a whole fit: the released statistics and DP-SGD, composed in Renyi DP.

Everything a DP fit learns from the rows goes through a Gaussian mechanism: the encoder's
statistics (one joint histogram release, :mod:`synthgan.dp.statistics`) and every critic
step of DP-SGD (opacus: clipped per-example gradients plus Gaussian noise on Poisson-sampled
batches). Their Renyi-DP curves add up order by order; the sum is converted to one
``(epsilon, delta)`` with opacus' conversion. Thresholding the category lists costs a small
extra ``delta`` (:data:`THRESHOLD_DELTA_SHARE` of it), outside the Renyi sum.

:class:`PrivacyBudget` fixes the statistics' noise so that they alone would spend
``statistics_share`` of epsilon, then tells how many DP-SGD steps at a given noise
multiplier and sampling rate the rest allows; training stops there.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from synthgan.errors import ConfigError

__all__ = ["ORDERS", "PrivacyBudget", "gaussian_rdp", "to_epsilon"]

ORDERS = ([1.0 + x / 10.0 for x in range(1, 100)] + [float(a) for a in range(12, 64)]
          + [float(a) for a in np.geomspace(80, 4096, 18).round()])  # small budgets peak at large orders
THRESHOLD_DELTA_SHARE = 0.1


def _opacus():
    try:
        from opacus.accountants.analysis import rdp
    except ImportError:
        raise ConfigError("differential privacy needs opacus: pip install 'synthgan[dp]'") from None
    return rdp


def gaussian_rdp(sensitivity: float, sigma: float, orders=ORDERS) -> np.ndarray:
    """Renyi DP of one Gaussian mechanism with L2 ``sensitivity`` and noise ``sigma``, per order."""
    return np.asarray(orders, dtype=np.float64) * sensitivity**2 / (2.0 * sigma**2)


def sgd_rdp(sample_rate: float, noise_multiplier: float, steps: int, orders=ORDERS) -> np.ndarray:
    """Renyi DP of ``steps`` DP-SGD steps (Poisson sampling at ``sample_rate``), per order."""
    if steps <= 0:
        return np.zeros(len(orders))
    rdp = np.asarray(_opacus().compute_rdp(q=sample_rate, noise_multiplier=noise_multiplier, steps=steps,
                                           orders=list(orders)), dtype=np.float64)
    return np.nan_to_num(rdp, nan=np.inf)  # opacus overflows at the largest orders: no bound there


def to_epsilon(rdp: np.ndarray, delta: float, orders=ORDERS) -> float:
    """The epsilon of a Renyi-DP curve at ``delta``."""
    import warnings

    with warnings.catch_warnings():  # "optimal order is the largest alpha": a bound that is valid, only looser
        warnings.simplefilter("ignore", UserWarning)
        return float(_opacus().get_privacy_spent(orders=list(orders), rdp=list(rdp), delta=delta)[0])


@dataclass(frozen=True)
class PrivacyBudget:
    """``(epsilon, delta)`` for a whole fit, and how it is shared.

    Parameters
    ----------
    epsilon : float
        Total epsilon (> 0).
    delta : float
        Total delta, in (0, 1); use well below 1 / rows.
    statistics_share : float, default=0.25
        Share of epsilon the encoder's statistics would spend on their own.
    """

    epsilon: float
    delta: float
    statistics_share: float = 0.25

    def check(self) -> "PrivacyBudget":
        """Raise ConfigError naming the first bad value; returns self."""
        if isinstance(self.epsilon, bool) or not isinstance(self.epsilon, (int, float)) or not self.epsilon > 0:
            raise ConfigError(f"epsilon must be a positive number, got {self.epsilon!r}")
        if isinstance(self.delta, bool) or not isinstance(self.delta, (int, float)) or not 0 < self.delta < 1:
            raise ConfigError(f"delta must be in (0, 1), e.g. 1e-5, got {self.delta!r}")
        if not 0 < self.statistics_share < 1:
            raise ConfigError(f"statistics_share must be in (0, 1), got {self.statistics_share!r}")
        return self

    @property
    def threshold_delta(self) -> float:
        """The delta the category thresholds may spend (all columns together)."""
        return THRESHOLD_DELTA_SHARE * self.delta

    @property
    def rdp_delta(self) -> float:
        """The delta of the Renyi-DP conversion."""
        return self.delta - self.threshold_delta

    def statistics_sigma(self, sensitivity: float) -> float:
        """Noise of the joint histogram release so that it alone spends ``statistics_share * epsilon``."""
        target = self.statistics_share * self.epsilon
        low, high = 1e-3, 1e6
        for _ in range(60):  # bisection on a monotone function, in log space
            mid = np.sqrt(low * high)
            if to_epsilon(gaussian_rdp(sensitivity, mid), self.rdp_delta) > target:
                low = mid
            else:
                high = mid
        return float(high)

    def spent(self, statistics_rdp: np.ndarray, sample_rate: float, noise_multiplier: float, steps: int) -> float:
        """Epsilon spent by the statistics and ``steps`` DP-SGD steps."""
        return to_epsilon(statistics_rdp + sgd_rdp(sample_rate, noise_multiplier, steps), self.rdp_delta)

    def max_steps(self, statistics_rdp: np.ndarray, sample_rate: float, noise_multiplier: float, cap: int) -> int:
        """The most DP-SGD steps (at most ``cap``) that keep the total within epsilon; 0 if none fit."""
        if self.spent(statistics_rdp, sample_rate, noise_multiplier, 1) > self.epsilon:
            return 0
        low, high = 1, max(1, int(cap))
        if self.spent(statistics_rdp, sample_rate, noise_multiplier, high) <= self.epsilon:
            return high
        while high - low > 1:
            mid = (low + high) // 2
            if self.spent(statistics_rdp, sample_rate, noise_multiplier, mid) <= self.epsilon:
                low = mid
            else:
                high = mid
        return low
