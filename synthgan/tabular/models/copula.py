"""Gaussian copula baseline: empirical marginals joined by one correlation matrix (numpy/scipy only).

Each learnable column arrives as one ``"ordinal"`` value (number or category code,
NaN = missing). Fit maps every column to normal scores through its empirical CDF
(mid-ranks for numbers; the midpoint of the category's CDF interval for codes;
missingness of a numeric column becomes an extra binary column), then estimates the
correlation of those scores. Sampling draws correlated normals and maps each back
through its inverse CDF: numbers by interpolating the empirical quantile function
(point masses return exactly, at their rate), categories by interval.

Everything learned is a plain array: per latent column, knots ``(probability, value)``.
This module must not import torch.
"""

from __future__ import annotations

import time
from typing import Any, ClassVar

import numpy as np
from scipy.special import ndtr, ndtri
from scipy.stats import rankdata

from synthgan.tabular.layout import Layout
from synthgan.errors import ConditionError, DataValidationError, ModelFileError, check_is_fitted
from synthgan.core import params as P
from synthgan.core.model import BaseModel, Capabilities
from synthgan.tabular.models.base import TableModelMixin, as_layout, table_input
from synthgan.core.seeds import SampleSeeds, check_n, resolve_fit_seed
from synthgan.tabular.models.inputs import check_encoded
from synthgan._random import numpy_rng

NUMERIC, CATEGORICAL, MISSING = 0, 1, 2
_EIG_FLOOR = 1e-6


def _categorical(codes: np.ndarray, n_codes: int, column: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Normal scores, CDF upper edges and code values (NaN for the 'missing' code) of a code column."""
    missing = np.isnan(codes)
    observed = codes[~missing]
    if observed.size and (observed.min() < 0 or observed.max() >= n_codes or not np.all(observed == np.round(observed))):
        raise DataValidationError(f"copula: column {column!r} must hold category codes 0..{n_codes - 1} or NaN; check the ordinal encoder output")
    index = np.where(missing, n_codes, np.nan_to_num(codes)).astype(np.int64)
    counts = np.bincount(index, minlength=n_codes + 1).astype(np.float64)
    upper = np.cumsum(counts) / len(codes)
    upper[-1] = 1.0
    lower = upper - counts / len(codes)
    scores = ndtri((lower + upper)[index] / 2.0)
    values = np.append(np.arange(n_codes, dtype=np.float64), np.nan)
    return scores, upper, values


def _numeric(values: np.ndarray, max_knots: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Normal scores (0 where missing), probability knots and quantile knots of a numeric column."""
    observed = ~np.isnan(values)
    scores = np.zeros(len(values))
    v = values[observed].astype(np.float64)
    if v.size == 0:
        return scores, np.array([0.5]), np.array([np.nan])
    scores[observed] = ndtri((rankdata(v) - 0.5) / v.size)  # mid-ranks: ties share one score
    k = min(v.size, max_knots)
    probs = (np.arange(k) + 0.5) / k
    return scores, probs, np.quantile(v, probs, method="hazen")  # k == rows: exactly the sorted values


def _correlation(scores: np.ndarray, ridge: float) -> np.ndarray:
    """Correlation of the score columns, constant columns uncorrelated, shrunk to I and made positive definite."""
    centered = scores - scores.mean(axis=0)
    std = centered.std(axis=0)
    live = std > 1e-12
    standardized = np.where(live, centered / np.where(live, std, 1.0), 0.0)
    corr = standardized.T @ standardized / len(scores)
    np.fill_diagonal(corr, 1.0)
    corr = (1.0 - ridge) * corr + ridge * np.eye(len(corr))
    eigval, eigvec = np.linalg.eigh(corr)
    corr = (eigvec * np.maximum(eigval, _EIG_FLOOR)) @ eigvec.T
    d = np.sqrt(np.diag(corr))
    return corr / np.outer(d, d)


class GaussianCopula(TableModelMixin, P.ConfigMixin, BaseModel):
    """Gaussian copula over empirical marginals (the fast, classical baseline).

    Parameters
    ----------
    epochs, batch_size : None
        Accepted for a uniform interface; the copula fits in one pass.
    ridge : float, default=1e-3
        Shrinkage of the correlation towards the identity (keeps degenerate data well-behaved).
    max_quantiles : int, default=2048
        Knots of each numeric column's quantile function (all values when there are fewer rows).
    device : str, default="cpu"
        Accepted for a uniform interface; the copula always runs on the CPU.

    Attributes
    ----------
    layout_ : Layout
    correlation_ : ndarray of shape (n_latent, n_latent)
    history_ : list of dict
        One entry: the copula's mean negative log-likelihood per row, seconds.
    seed_ : int
    """

    name: ClassVar[str] = "copula"
    capabilities: ClassVar[Capabilities] = Capabilities(
        kind="table", summary="Gaussian copula with empirical marginals (no torch, seconds to fit)",
        family="Gaussian-copula", trainable=False, devices=("cpu",), encoding="ordinal", augmentation_arm=True)
    checkers = {
        "epochs": P.optional_positive_int,
        "batch_size": P.optional_positive_int,
        "ridge": P.unit_interval,
        "max_quantiles": P.positive_int,
        "device": P.device_name,
    }

    def __init__(
        self,
        *,
        epochs: int | None = None,
        batch_size: int | None = None,
        ridge: float = 1e-3,
        max_quantiles: int = 2048,
        device: str = "cpu",
    ) -> None:
        self._store(locals())

    def fit(self, data: Any, layout: Layout | None = None, *, seed: int | None = None, callbacks: list | None = None) -> "GaussianCopula":
        """Learn the marginals and the correlation of ``data`` (ordinal encoding, NaN = missing).

        ``data`` is :class:`~synthgan.core.encoded.EncodedData` (a static part only) or the
        encoded matrix with its ``layout``.

        Returns
        -------
        self
        """
        cfg = self._checked_config()
        data, layout = table_input(data, layout, model=self.name)
        x = check_encoded(data, layout, model=self.name, encoding=self.capabilities.encoding, allow_nan=True)
        fit_seed = resolve_fit_seed(seed, model=self.name)
        callbacks = list(callbacks or [])
        for cb in callbacks:
            cb.on_train_begin(self, 1)
        started = time.perf_counter()
        z = self._learn_marginals(x, layout, cfg["max_quantiles"])
        logs = {"epoch": 1.0, "loss": self._fit_dependence(z, cfg, fit_seed), "seconds": time.perf_counter() - started}
        self._set_fitted(layout, fit_seed, [logs])
        for cb in callbacks:
            cb.on_epoch_end(self, 1, logs)
        for cb in callbacks:
            cb.on_train_end(self)
        return self

    def _fit_dependence(self, z: np.ndarray, cfg: dict[str, Any], fit_seed: int) -> float:
        """Learn how the columns' normal scores ``z`` depend on each other; the mean negative log-likelihood per row."""
        self.correlation_ = _correlation(z, cfg["ridge"])
        return self._neg_log_likelihood(z)

    def _learn_marginals(self, x: np.ndarray, layout: Layout, max_quantiles: int) -> np.ndarray:
        """Fit every column's marginal (knots and latent columns, set on ``self``); returns the normal scores.

        A numeric column with missing cells gets a second, binary latent column: whether it is missing.
        """
        scores, kinds, columns, knots_p, knots_v = [], [], [], [], []
        for i, span in enumerate(layout.spans):  # one pass per column, vectorised over rows
            col = x[:, span.start].astype(np.float64)
            if span.n_categories > 0:
                latent = [(CATEGORICAL, *_categorical(col, span.n_categories, span.column))]
            else:
                latent = [(NUMERIC, *_numeric(col, max_quantiles))]
                if np.isnan(col).any():
                    latent.append((MISSING, *_categorical(np.isnan(col).astype(np.float64), 2, span.column)))
            for kind, s, p, v in latent:
                scores.append(s), kinds.append(kind), columns.append(i), knots_p.append(p), knots_v.append(v)
        self.latent_kind_ = np.asarray(kinds, dtype=np.int64)
        self.latent_column_ = np.asarray(columns, dtype=np.int64)
        self.knot_offsets_ = np.cumsum([0] + [len(p) for p in knots_p]).astype(np.int64)
        self.knot_probs_ = np.concatenate(knots_p).astype(np.float64)
        self.knot_values_ = np.concatenate(knots_v).astype(np.float64)
        return np.stack(scores, axis=1)

    def _neg_log_likelihood(self, z: np.ndarray) -> float:
        """Mean negative log copula density of the normal scores (lower is a tighter fit)."""
        sign, logdet = np.linalg.slogdet(self.correlation_)
        quad = np.einsum("ij,jk,ik->i", z, np.linalg.inv(self.correlation_) - np.eye(len(z[0])), z)
        return float(0.5 * (logdet + quad.mean()))

    def _set_fitted(self, layout: Layout, fit_seed: int, history: list[dict[str, float]]) -> None:
        self.seed_ = fit_seed
        self.epochs_ = 1
        self.history_ = history
        self._sample_seeds = SampleSeeds(fit_seed)
        self.layout_ = layout
        self._prepare_sampling()

    def _prepare_sampling(self) -> None:
        """What sampling reuses on every call: the correlation's Cholesky factor."""
        self._cholesky = np.linalg.cholesky(self.correlation_)

    def sample(self, n: int, *, seed: int | None = None, condition: tuple[int, int] | None = None) -> np.ndarray:
        """Draw ``n`` rows in the ordinal encoding (float32; NaN = missing).

        ``seed`` makes the call reproducible on its own; ``None`` continues the model's stream.
        """
        check_is_fitted(self, "layout_")
        n = check_n(n, model=self.name)
        if condition is not None:
            raise ConditionError(f"{self.name} cannot sample with a condition natively; sample without 'condition' and filter the rows")
        rng = numpy_rng(self._sample_seeds.resolve(seed, model=self.name), "sample")
        return self._decode_uniforms(ndtr(rng.standard_normal((n, len(self.correlation_))) @ self._cholesky.T))

    def _decode_uniforms(self, u: np.ndarray) -> np.ndarray:
        """Rows of uniforms, one per latent column, through each marginal's inverse CDF (ordinal encoding)."""
        n = len(u)
        out = np.empty((n, self.layout_.width), dtype=np.float32)
        missing = np.zeros((n, self.layout_.width), dtype=bool)
        for j, (kind, column) in enumerate(zip(self.latent_kind_, self.latent_column_)):
            lo, hi = self.knot_offsets_[j], self.knot_offsets_[j + 1]
            probs, values = self.knot_probs_[lo:hi], self.knot_values_[lo:hi]
            if kind == NUMERIC:
                out[:, column] = np.interp(u[:, j], probs, values)
            else:  # the interval of the CDF that u falls in
                picked = values[np.minimum(np.searchsorted(probs, u[:, j], side="right"), len(values) - 1)]
                if kind == MISSING:
                    missing[:, column] = picked == 1.0
                else:
                    out[:, column] = picked
        out[missing] = np.nan
        return out

    def state_arrays(self) -> dict[str, np.ndarray]:
        """Correlation, per-latent-column kind/column and the knots of every marginal."""
        check_is_fitted(self, "layout_")
        return {"correlation": self.correlation_, **self._marginal_arrays()}

    def _marginal_arrays(self) -> dict[str, np.ndarray]:
        """Per-latent-column kind and table column, the knots of every marginal, and the seed."""
        return {"latent_kind": self.latent_kind_, "latent_column": self.latent_column_, "knot_offsets": self.knot_offsets_,
                "knot_probs": self.knot_probs_, "knot_values": self.knot_values_, "seed": np.asarray(self.seed_, dtype=np.int64)}

    def _load_marginals(self, arrays: dict[str, np.ndarray]) -> None:
        """Restore :meth:`_marginal_arrays` (the seed is read by ``from_state``)."""
        self.latent_kind_ = np.asarray(arrays["latent_kind"], dtype=np.int64)
        self.latent_column_ = np.asarray(arrays["latent_column"], dtype=np.int64)
        self.knot_offsets_ = np.asarray(arrays["knot_offsets"], dtype=np.int64)
        self.knot_probs_ = np.asarray(arrays["knot_probs"], dtype=np.float64)
        self.knot_values_ = np.asarray(arrays["knot_values"], dtype=np.float64)

    @classmethod
    def from_state(cls, config: dict[str, Any], arrays: dict[str, np.ndarray], spec: dict | Layout, history: list[dict[str, float]]) -> "GaussianCopula":
        """Rebuild a fitted copula from ``get_config()``, ``state_arrays()`` and ``data_spec()``."""
        layout = as_layout(spec, model=cls.name)
        model = cls(**config)
        try:
            model.correlation_ = np.asarray(arrays["correlation"], dtype=np.float64)
            model._load_marginals(arrays)
            model._set_fitted(layout, int(np.asarray(arrays["seed"])), list(history))
        except (KeyError, ValueError, np.linalg.LinAlgError) as exc:
            raise ModelFileError(f"copula: saved state is incomplete or inconsistent ({exc}); fit the model again") from exc
        return model
