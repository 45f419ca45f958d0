"""From scores to flags: a threshold at a quantile of the training scores, or at an expected contamination.

The detector keeps the distribution of its training rows' scores (all of them up to
:data:`KEPT_SCORES`, else that many evenly spaced quantiles). ``threshold=q`` flags a
row whose score is above the ``q`` quantile of the training scores (so about ``1 - q``
of rows like the training rows are flagged: in the semi-supervised setting, the false
alarm rate); ``contamination=c`` flags the scores above the ``1 - c`` quantile (so
about a share ``c`` of the training rows: in the unsupervised setting, the share of
anomalies the training data is expected to hold, as pyod's ``contamination``).
"""

from __future__ import annotations

from numbers import Real
from typing import Any

import numpy as np

from synthgan.errors import ConfigError

DEFAULT_QUANTILE = 0.99
KEPT_SCORES = 100_001
TAIL_QUANTILE = 0.99  # tail_surprise: empirical below this quantile, exponential tail above it


def training_distribution(scores: np.ndarray) -> np.ndarray:
    """The sorted training scores, or :data:`KEPT_SCORES` evenly spaced quantiles of them (float64)."""
    scores = np.sort(np.asarray(scores, dtype=np.float64))
    if scores.size <= KEPT_SCORES:
        return scores
    return np.quantile(scores, np.linspace(0.0, 1.0, KEPT_SCORES))


def check_threshold(threshold: Any = None, contamination: Any = None) -> float:
    """The quantile of the training scores above which rows are flagged.

    Parameters
    ----------
    threshold : float in (0, 1), optional
        The quantile itself.
    contamination : float in (0, 0.5], optional
        The expected share of anomalies; the quantile is ``1 - contamination``.

    Neither: :data:`DEFAULT_QUANTILE`.

    Raises
    ------
    ConfigError
        Both given, or a value outside its range.
    """
    if threshold is not None and contamination is not None:
        raise ConfigError("give either threshold (a quantile of the training scores, e.g. 0.99) or contamination "
                          "(the expected share of anomalies, e.g. 0.02), not both")
    if contamination is not None:
        if not _real(contamination) or not 0.0 < contamination <= 0.5:
            raise ConfigError(f"contamination must be a share in (0, 0.5], got {contamination!r}; e.g. contamination=0.02")
        return 1.0 - float(contamination)
    if threshold is None:
        return DEFAULT_QUANTILE
    if not _real(threshold) or not 0.0 < threshold < 1.0:
        raise ConfigError(f"threshold must be a quantile in (0, 1), got {threshold!r}; e.g. threshold=0.99 "
                          "flags scores above 99 % of the training rows'")
    return float(threshold)


def _real(value: Any) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool) and np.isfinite(float(value))


def score_at(distribution: np.ndarray, quantile: float) -> float:
    """The score at ``quantile`` of the kept training distribution (linear interpolation)."""
    return float(np.quantile(distribution, quantile))


def tail_surprise(reference: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``-log P(S >= value)`` under the sorted ``reference`` scores, in nats (higher = rarer).

    Empirical below the reference's 0.99 quantile (``F = rank / (n + 1)``, interpolated
    between reference scores, so no value is impossible and the surprise is continuous);
    above it an exponential tail whose scale is the mean excess of the
    reference over that quantile (peaks over threshold), so values beyond every
    reference score keep their order instead of tying at ``log(n + 1)``.
    """
    reference = np.asarray(reference, dtype=np.float64)
    values = np.asarray(values, dtype=np.float64)
    n = reference.size
    cut = float(np.quantile(reference, TAIL_QUANTILE))
    excess = reference[reference > cut] - cut
    scale = float(excess.mean()) if excess.size else float(np.std(reference))
    scale = max(scale, 1e-12 * max(abs(cut), 1.0), 1e-300)
    ranks = np.arange(1, n + 1) / (n + 1.0)  # F between reference scores: interpolated, so continuous in the value
    at_cut = -np.log1p(-float(np.interp(cut, reference, ranks)))
    below = -np.log1p(-np.interp(values, reference, ranks))
    return np.where(values > cut, at_cut + (values - cut) / scale, below)
