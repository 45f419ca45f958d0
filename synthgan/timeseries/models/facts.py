"""Stylized facts of returns as differentiable batch statistics, and the generator's long-memory noise.

The adversarial critic judges windows of a limited receptive field; two facts of daily
returns reach much further (volatility clustering decays over hundreds of days) or are
second-order effects a critic learns slowly (leverage). The sequence GAN therefore adds
to its generator loss the squared distance between these statistics of a generated batch
and of the training series (moment matching, as a regulariser of the adversarial game):

* autocorrelation of ``|x|`` at lags ``1..acf_lags`` (volatility clustering, long memory);
* autocorrelation of ``x`` at lags ``1..short_lags`` (returns themselves are nearly
  uncorrelated);
* leverage ``corr(x_t, x_{t+k}**2)`` at lags ``1..short_lags`` (falls follow volatility);
* skewness, excess kurtosis and the :data:`TAIL_PROBS` quantiles of ``x`` (a GAN's
  samples tend to have thinner tails than its data: the critic rarely sees an extreme
  value);
* the quantiles and kurtosis of rolling 20-step sums (persistent drift inside a
  turbulent regime otherwise made crash months of -20 standard deviations);
* volatility regimes: quantiles of the rolling 20-step mean ``|x|``, and the mean of the
  next ``|x|`` within bins of it (edges from the training series). Without them the
  generator's calm and turbulent regimes were too alike: after its most volatile months
  the next day's move was a third too small (S&P 500, 2011-2020 holdout).

The terms are weighted by :meth:`FactSpec.weights`: the ``|x|`` autocorrelation by
``1/sqrt(lag)`` (short horizons drive next-day volatility; the long ones are many), the
moments and quantiles by :data:`SHAPE_WEIGHT`, the regime terms by :data:`VOL_WEIGHT`.

Every statistic pools the batch: means and variances over all windows and steps, lagged
products within each window (computed with FFTs), so the training series' targets are the
same estimator over all of its windows.

:func:`memory_noise` turns i.i.d. Gaussian noise into stationary AR(1) channels with
given half-lives (a superposition of AR(1) processes has a slowly decaying, nearly
power-law autocorrelation). The generator reads them next to the raw noise, so its
output can carry volatility regimes far longer than its receptive field, at any path
length, without drift.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

TAIL_PROBS = (0.001, 0.01, 0.05, 0.95, 0.99, 0.999)
SHAPE_WEIGHT = 0.1  # weight of each moment and quantile term, relative to one lag of an autocorrelation
VOL_STEPS = 20  # steps of the rolling volatility (mean |x|)
VOL_PROBS = (0.1, 0.5, 0.9, 0.98, 0.995)  # quantiles of the rolling volatility that are matched
VOL_BIN_PROBS = (0.5, 0.9, 0.98, 0.995)  # edges of the volatility bins of the conditional next |x|
VOL_WEIGHT = 5.0  # weight of each volatility-regime term
SUM_PROBS = (0.01, 0.05, 0.5, 0.95, 0.99)  # quantiles of the rolling VOL_STEPS-step sums that are matched
MEMORY_BLOCK = 64  # steps per block of the AR(1) filter (one small matrix product per block)


def _lagged_means(a: torch.Tensor, b: torch.Tensor, max_lag: int) -> torch.Tensor:
    """``mean over windows, t of a[:, t] * b[:, t + k]`` for ``k = 1..max_lag``; ``a, b``: ``(windows, steps)``."""
    steps = a.shape[-1]
    size = 1 << (2 * steps - 1).bit_length()
    fa, fb = torch.fft.rfft(a, n=size), torch.fft.rfft(b, n=size)
    cross = torch.fft.irfft(fa.conj() * fb, n=size)[..., 1 : max_lag + 1].sum(dim=0)
    counts = a.shape[0] * (steps - torch.arange(1, max_lag + 1, device=a.device, dtype=a.dtype))
    return cross / counts


def rolling_mean_abs(x: torch.Tensor, steps: int) -> torch.Tensor:
    """Mean of ``|x|`` over the last ``steps`` steps, ``(windows, length)`` -> ``(windows, length - steps + 1)``."""
    c = torch.nn.functional.pad(x.abs().cumsum(dim=1), (1, 0))
    return (c[:, steps:] - c[:, :-steps]) / steps


@dataclass(frozen=True)
class FactSpec:
    """What :func:`stylized_facts` computes: lags, and the volatility bins of the training series.

    Attributes
    ----------
    acf_lags, short_lags : int
    thresholds : ndarray of shape (width, len(VOL_BIN_PROBS))
        Quantiles of the training series' rolling ``VOL_STEPS``-step mean ``|x|`` at
        :data:`VOL_BIN_PROBS`: the edges of the volatility bins.
    """

    acf_lags: int
    short_lags: int
    thresholds: np.ndarray

    @property
    def size(self) -> int:
        return (self.acf_lags + 2 * self.short_lags + 2 + len(TAIL_PROBS) + len(SUM_PROBS) + 1
                + len(VOL_PROBS) + len(VOL_BIN_PROBS) + 1)

    def weights(self) -> np.ndarray:
        """Weight of each entry in the loss: the ``|x|`` ACF by ``1/sqrt(lag)`` (mean 1), then the other groups."""
        lags = np.arange(1, self.acf_lags + 1, dtype=np.float64)
        acf_abs = 1.0 / np.sqrt(lags)
        acf_abs = acf_abs / acf_abs.mean() if self.acf_lags else acf_abs
        return np.concatenate([acf_abs, np.ones(2 * self.short_lags), np.full(2 + len(TAIL_PROBS), SHAPE_WEIGHT),
                               np.full(len(SUM_PROBS) + 1 + len(VOL_PROBS) + len(VOL_BIN_PROBS) + 1, VOL_WEIGHT)])

    @classmethod
    def from_series(cls, series: list[np.ndarray], acf_lags: int, short_lags: int) -> "FactSpec":
        """Volatility bin edges from every valid step of ``series`` (each ``(steps_i, width)``)."""
        rolled = [rolling_mean_abs(torch.as_tensor(s.T, dtype=torch.float64), VOL_STEPS) for s in series if len(s) > VOL_STEPS]
        pooled = torch.cat(rolled, dim=1).numpy() if rolled else np.ones((series[0].shape[1], 1))
        return cls(acf_lags, short_lags, np.quantile(pooled, VOL_BIN_PROBS, axis=1).T.reshape(pooled.shape[0], -1))


def stylized_facts(x: torch.Tensor, spec: FactSpec) -> tuple[torch.Tensor, torch.Tensor]:
    """The pooled statistics of a batch ``x`` of shape ``(windows, steps, width)``, one vector per feature.

    Returns
    -------
    facts : Tensor of shape ``(width, spec.size)``
        ACF of ``|x|`` at lags ``1..acf_lags``; ACF of ``x`` and leverage correlation at lags
        ``1..short_lags``; skewness, excess kurtosis, quantiles at :data:`TAIL_PROBS`;
        quantiles at :data:`SUM_PROBS` and excess kurtosis of the rolling :data:`VOL_STEPS`-step
        sums of ``x`` (no runaway months);
        quantiles of the rolling :data:`VOL_STEPS`-step mean ``|x|`` at :data:`VOL_PROBS`
        (the spread of volatility regimes); the mean of the next ``|x|`` in each volatility
        bin (how strongly the next move follows the recent volatility).
    present : Tensor of shape ``(width, spec.size)``
        1 where the statistic exists in this batch (0 for an empty volatility bin).
    """
    probs = torch.tensor(TAIL_PROBS, dtype=x.dtype, device=x.device)
    vol_probs = torch.tensor(VOL_PROBS, dtype=x.dtype, device=x.device)
    sum_probs = torch.tensor(SUM_PROBS, dtype=x.dtype, device=x.device)
    acf_lags, short_lags = spec.acf_lags, spec.short_lags
    out, present = [], []
    for j in range(x.shape[-1]):
        v = x[..., j]
        v = v - v.mean()
        a = v.abs()
        a = a - a.mean()
        sq = v * v
        sq = sq - sq.mean()
        var_v, var_a, var_sq = (v * v).mean(), (a * a).mean(), (sq * sq).mean()
        acf_abs = _lagged_means(a, a, acf_lags) / var_a.clamp_min(1e-12)
        acf = _lagged_means(v, v, short_lags) / var_v.clamp_min(1e-12)
        leverage = _lagged_means(v, sq, short_lags) / (var_v * var_sq).clamp_min(1e-12).sqrt()
        sd = var_v.clamp_min(1e-12).sqrt()
        shape = torch.stack([(v**3).mean() / sd**3, (v**4).mean() / sd**4 - 3.0])
        quantiles = torch.quantile(x[..., j].reshape(-1), probs)
        c = torch.nn.functional.pad(x[..., j].cumsum(dim=1), (1, 0))
        sums = (c[:, VOL_STEPS:] - c[:, :-VOL_STEPS]).reshape(-1)
        sums_c = sums - sums.mean()
        sums_kurt = (sums_c**4).mean() / (sums_c * sums_c).mean().clamp_min(1e-12) ** 2 - 3.0
        aggregated = torch.cat([torch.quantile(sums, sum_probs), sums_kurt[None]])
        rolled = rolling_mean_abs(x[..., j], VOL_STEPS)[:, :-1]  # volatility up to t, then |x_{t+1}|
        following = x[:, VOL_STEPS:, j].abs()
        vol_quantiles = torch.quantile(rolled.reshape(-1), vol_probs)
        edges = torch.as_tensor(np.ascontiguousarray(spec.thresholds[j]), dtype=x.dtype, device=x.device).contiguous()
        bins = torch.bucketize(rolled.detach().reshape(-1), edges)
        counts = torch.bincount(bins, minlength=len(edges) + 1).to(x.dtype)
        totals = torch.zeros(len(edges) + 1, dtype=x.dtype, device=x.device).index_add(0, bins, following.reshape(-1))
        conditional = totals / counts.clamp_min(1.0)
        out.append(torch.cat([acf_abs, acf, leverage, shape, quantiles, aggregated, vol_quantiles, conditional]))
        mask = torch.ones(spec.size, dtype=x.dtype, device=x.device)
        mask[-len(counts):] = (counts > 0).to(x.dtype)
        present.append(mask)
    return torch.stack(out), torch.stack(present)


def series_facts(series: list[np.ndarray], window: int, spec: FactSpec) -> np.ndarray:
    """:func:`stylized_facts` of the training series, over all their non-overlapping windows of ``window`` steps.

    ``series`` holds each series' valid steps, ``(steps_i, width)``; series shorter than
    ``window`` add nothing (at least one window overall is required by the caller).
    """
    windows = [s[k : k + window] for s in series for k in range(0, len(s) - window + 1, window)]
    batch = torch.as_tensor(np.stack(windows), dtype=torch.float64)
    return stylized_facts(batch, spec)[0].numpy()


def memory_decays(half_lives: tuple[float, ...]) -> np.ndarray:
    """AR(1) coefficients with the given half-lives in steps."""
    return np.power(0.5, 1.0 / np.asarray(half_lives, dtype=np.float64))


def memory_noise(z: torch.Tensor, decays: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Stationary unit-variance AR(1) filters of every noise channel, one per decay.

    Parameters
    ----------
    z : Tensor of shape (batch, steps, k)
        I.i.d. standard Gaussian innovations.
    decays : Tensor of shape (m,)
        AR(1) coefficients in [0, 1).
    generator : torch.Generator
        Draws each channel's state before the first step from its stationary law, N(0, 1).

    Returns
    -------
    Tensor of shape (batch, steps, k * m)
        ``s_t = decay * s_{t-1} + sqrt(1 - decay**2) * z_t`` for each pair (channel, decay),
        decay-major.
    """
    batch, steps, k = z.shape
    m = len(decays)
    lam = decays.to(z.dtype).repeat_interleave(k)  # (k m,): decay-major, channel-minor
    block = min(MEMORY_BLOCK, steps)
    blocks = -(-steps // block)
    j = torch.arange(block, device=z.device, dtype=z.dtype)
    lags = (j[:, None] - j[None, :]).clamp_min(0)  # t - i
    filt = torch.tril(lam[:, None, None] ** lags[None]) * (1.0 - lam * lam).sqrt()[:, None, None]  # (km, t, i)
    carry = lam[:, None] ** (j[None, :] + 1)  # (km, t): weight of the state before the block
    padded = torch.nn.functional.pad(z, (0, 0, 0, blocks * block - steps))
    inputs = padded.permute(2, 0, 1).reshape(k, batch * blocks, block).repeat(m, 1, 1)  # (km, batch x blocks, i)
    mixed = torch.bmm(inputs, filt.transpose(1, 2)).reshape(k * m, batch, blocks, block)  # every block at once
    state = torch.randn(batch, k * m, generator=generator, device=z.device, dtype=z.dtype).T  # (km, batch)
    parts = []
    for b in range(blocks):  # only the carried state is sequential
        part = mixed[:, :, b] + carry[:, None, :] * state[:, :, None]
        state = part[:, :, -1]
        parts.append(part)
    return torch.cat(parts, dim=2)[:, :, :steps].permute(1, 2, 0)
