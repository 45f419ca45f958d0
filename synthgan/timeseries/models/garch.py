"""GARCH(1,1) with Student-t innovations per feature: the classical volatility baseline for returns.

Each temporal feature is fitted on its own with the ``arch`` package
(``arch_model(mean="Constant", vol="GARCH", p=1, q=1, dist="t")``)::

    x_t = mu + e_t,   e_t = sigma_t z_t,   sigma_t^2 = omega + alpha e_{t-1}^2 + beta sigma_{t-1}^2,

with ``z_t`` standardised Student-t (unit variance, ``nu > 2`` degrees of freedom). Features
are independent in this model: their cross-correlation is not kept (use it for return-like
numeric features; a one-hot category is not a GARCH process). Several training series are
pooled: one parameter set per feature, fitted on the series joined end to end.

``arch`` fits best when the series' scale is near 1 to 1000 in variance, so each feature is
multiplied by ``scale`` before fitting (by default the power of ten that puts its standard
deviation in ``[1, 10)``, e.g. 100 for daily log returns) and the parameters are brought
back to the data's units (``mu / scale``, ``omega / scale^2``). Everything learned is a
plain array; sampling is numpy only, vectorised over paths and features.

``arch`` is optional: importing this module does not need it, fitting does
(``pip install 'synthgan[timeseries]'``); sampling from a fitted or loaded model does not.
"""

from __future__ import annotations

import time
import warnings
from typing import Any, ClassVar

import numpy as np

from synthgan._random import numpy_rng
from synthgan.core import params as P
from synthgan.core.encoded import EncodedData
from synthgan.core.model import Capabilities
from synthgan.core.seeds import SampleSeeds, check_n, resolve_fit_seed
from synthgan.errors import ConditionError, ConfigError, DataValidationError, DataWarning, ModelFileError, check_is_fitted
from synthgan.timeseries.models.base import SequenceModel, check_length, check_sequence_data

MISSING_ARCH = "GarchT needs the 'arch' package: pip install 'synthgan[timeseries]'"
PARAMS = ("mu", "omega", "alpha", "beta", "nu")
_ARCH_NAMES = ("mu", "omega", "alpha[1]", "beta[1]", "nu")
STARTS = ("unconditional", "last")


def _arch_model():
    """``arch.arch_model``, or the ConfigError that names the extra."""
    try:
        from arch import arch_model
    except ImportError:
        raise ConfigError(MISSING_ARCH) from None
    return arch_model


def _scale(model: str, arg: str, value: Any) -> float | None:
    return None if value is None else P.positive_float(model, arg, value)


def _start(model: str, arg: str, value: Any) -> str:
    if value not in STARTS:
        raise ConfigError(f"{model}: '{arg}' must be one of {', '.join(map(repr, STARTS))}, got {value!r}; pass e.g. {arg}='unconditional'")
    return value


def auto_scale(x: np.ndarray) -> float:
    """The power of ten that puts the standard deviation of ``x`` in ``[1, 10)``."""
    return float(10.0 ** -np.floor(np.log10(np.std(x))))


class GarchT(P.ConfigMixin, SequenceModel):
    """GARCH(1,1) with standardised Student-t innovations, one per feature (fitted with ``arch``).

    Parameters
    ----------
    scale : float, optional
        Multiplier applied to every feature before ``arch`` fits it (undone in the stored
        parameters). None: per feature, the power of ten that puts its standard deviation
        in ``[1, 10)``.
    start : {"unconditional", "last"}, default="unconditional"
        Variance the paths start from: the unconditional ``omega / (1 - alpha - beta)``
        (paths are draws of the stationary process), or the one-step-ahead variance after
        the last training step (paths continue the end of the data; with several series,
        the end of the last one).

    Attributes
    ----------
    mu_, omega_, alpha_, beta_, nu_ : ndarray of shape (width,)
        The fitted parameters per feature, in the data's units.
    last_variance_ : ndarray of shape (width,)
        One-step-ahead conditional variance after the last training step (data's units).
    scale_ : ndarray of shape (width,)
        The multiplier each feature was fitted at.
    static_ : ndarray of shape (n_series, static_width) or None
        The training series' static parts; each path gets one drawn uniformly (GARCH ignores them).
    max_length_ : int
        The longest training series (the default path length).
    history_ : list of dict
        One entry: total log-likelihood (at the fitting scale), seconds.
    seed_ : int
    """

    name: ClassVar[str] = "garch-t"
    capabilities: ClassVar[Capabilities] = Capabilities(
        kind="sequence", summary="GARCH(1,1) with Student-t innovations per feature (needs the 'arch' package to fit)",
        family="GARCH", conditional=False, trainable=False, devices=("cpu",))
    checkers = {"scale": _scale, "start": _start}

    def __init__(self, *, scale: float | None = None, start: str = "unconditional") -> None:
        self._store(locals())

    def fit(self, data: EncodedData, *, seed: int | None = None, callbacks: list | None = None) -> "GarchT":
        """Fit one GARCH(1,1)-t per feature on the pooled training series.

        Parameters
        ----------
        data : EncodedData
            ``temporal`` ``(n_series, max_steps, width)`` with ``lengths``; ``static`` optional.
        seed : int, optional
            Seeds the model's sampling stream (the estimation itself is deterministic).
        callbacks : list of Callback, optional
            Told of the one "epoch".

        Returns
        -------
        self

        Raises
        ------
        ConfigError
            ``arch`` is not installed.
        DataValidationError
            A feature is constant, or there are too few steps to estimate five parameters.
        """
        cfg = self._checked_config()
        data = check_sequence_data(data, model=self.name)
        arch_model = _arch_model()
        fit_seed = resolve_fit_seed(seed, model=self.name)
        callbacks = list(callbacks or [])
        for cb in callbacks:
            cb.on_train_begin(self, 1)
        started = time.perf_counter()
        valid = np.arange(data.temporal.shape[1]) < data.lengths[:, None]
        pooled = data.temporal[valid].astype(np.float64)  # (total_steps, width), series end to end
        if len(pooled) < 50:
            raise DataValidationError(f"{self.name}: {len(pooled)} steps are too few to estimate a GARCH(1,1)-t; "
                                      "give it at least 50 steps (a few hundred for stable estimates)")
        fitted, scales, last, loglik = [], [], [], 0.0
        for j, x in enumerate(pooled.T):
            if np.std(x) == 0:
                raise DataValidationError(f"{self.name}: temporal feature {j} is constant, so it has no volatility to "
                                          "model; drop it from the series or use another sequence model")
            scale = cfg["scale"] if cfg["scale"] is not None else auto_scale(x)
            result = arch_model(x * scale, mean="Constant", vol="GARCH", p=1, q=1, dist="t", rescale=False).fit(disp="off")
            if result.convergence_flag != 0:
                warnings.warn(f"{self.name}: the optimiser did not converge for temporal feature {j} "
                              f"({result.optimization_result.message}); its parameters may be poor", DataWarning, stacklevel=2)
            mu, omega, alpha, beta, nu = (float(result.params[k]) for k in _ARCH_NAMES)
            resid, sigma = float(result.resid[-1]), float(result.conditional_volatility[-1])
            fitted.append((mu / scale, omega / scale**2, alpha, beta, nu))
            last.append((omega + alpha * resid**2 + beta * sigma**2) / scale**2)
            scales.append(scale)
            loglik += float(result.loglikelihood)
        self.mu_, self.omega_, self.alpha_, self.beta_, self.nu_ = (np.asarray(col, dtype=np.float64) for col in zip(*fitted))
        self.last_variance_ = np.asarray(last, dtype=np.float64)
        self.scale_ = np.asarray(scales, dtype=np.float64)
        self.static_ = None if data.static is None else np.asarray(data.static, dtype=np.float32).reshape(data.n_items, -1)
        self.max_length_ = int(data.lengths.max())
        logs = {"epoch": 1.0, "loglikelihood": loglik, "seconds": time.perf_counter() - started}
        self._set_fitted(fit_seed, [logs])
        for cb in callbacks:
            cb.on_epoch_end(self, 1, logs)
        for cb in callbacks:
            cb.on_train_end(self)
        return self

    def _set_fitted(self, fit_seed: int, history: list[dict[str, float]]) -> None:
        self.seed_ = fit_seed
        self.history_ = history
        self._sample_seeds = SampleSeeds(fit_seed)

    def initial_variance(self) -> np.ndarray:
        """The variance every path starts from, per feature (see ``start``).

        ``"unconditional"`` falls back to the last variance for a feature whose
        ``alpha + beta >= 1`` (no finite unconditional variance).
        """
        check_is_fitted(self, "mu_")
        persistence = self.alpha_ + self.beta_
        if self.start == "last":
            return self.last_variance_.copy()
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(persistence < 1, self.omega_ / (1 - persistence), self.last_variance_)

    def sample(self, n: int, *, length: int | None = None, seed: int | None = None, condition: Any = None) -> EncodedData:
        """Simulate ``n`` paths of ``length`` steps (default: the longest training series).

        Parameters
        ----------
        n : int
            Number of paths.
        length : int, optional
            Steps per path (any length).
        seed : int, optional
            Makes the call reproducible on its own; None continues the model's stream.
        condition : None
            GARCH cannot condition; anything else raises ConditionError.

        Returns
        -------
        EncodedData
            ``temporal`` ``(n, length, width)`` float32 and, when fitted with one, a
            ``static`` part drawn from the training series' static vectors.
        """
        check_is_fitted(self, "mu_")
        n = check_n(n, model=self.name)
        length = check_length(length, self.max_length_, model=self.name)
        if condition is not None:
            raise ConditionError(f"{self.name}: GARCH ignores static attributes, so it cannot sample with a condition; "
                                 "sample without 'condition' (or use stationary-bootstrap, which can)")
        rng = numpy_rng(self._sample_seeds.resolve(seed, model=self.name), "sample")
        width = len(self.mu_)
        to_unit = np.sqrt((self.nu_ - 2.0) / self.nu_)            # standardised t: unit variance
        variance = np.broadcast_to(self.initial_variance(), (n, width)).copy()
        out = np.empty((n, length, width), dtype=np.float32)
        for t in range(length):                                   # the recursion runs over time, vectorised over paths and features
            shock = np.sqrt(variance) * rng.standard_t(self.nu_, size=(n, width)) * to_unit
            out[:, t] = self.mu_ + shock
            variance = self.omega_ + self.alpha_ * shock**2 + self.beta_ * variance
        static = None
        if self.static_ is not None:
            static = self.static_[rng.integers(0, len(self.static_), size=n)]
        return EncodedData(static=static, temporal=out, lengths=np.full(n, length, dtype=np.int64))

    def state_arrays(self) -> dict[str, np.ndarray]:
        """The parameters per feature, last variance, scales, static vectors (if any) and seed."""
        check_is_fitted(self, "mu_")
        arrays = {name: getattr(self, f"{name}_") for name in PARAMS}
        arrays.update(last_variance=self.last_variance_, scale=self.scale_, seed=np.asarray(self.seed_, dtype=np.int64))
        if self.static_ is not None:
            arrays["static"] = self.static_
        return arrays

    def data_spec(self) -> dict[str, Any]:
        """Widths and the longest training series."""
        check_is_fitted(self, "mu_")
        return {"width": len(self.mu_), "max_length": self.max_length_,
                "static_width": None if self.static_ is None else int(self.static_.shape[1])}

    @classmethod
    def from_state(cls, config: dict[str, Any], arrays: dict[str, np.ndarray], spec: dict[str, Any],
                   history: list[dict[str, float]]) -> "GarchT":
        """Rebuild a fitted model from ``get_config()``, ``state_arrays()``, ``data_spec()`` and history (no ``arch`` needed)."""
        model = cls(**config)
        model._checked_config()
        try:
            width = int(spec["width"])
            for name in (*PARAMS, "last_variance", "scale"):
                value = np.asarray(arrays[name], dtype=np.float64)
                if value.shape != (width,):
                    raise ValueError(f"{name} has shape {value.shape}, expected ({width},)")
                setattr(model, f"{name}_", value)
            if (model.nu_ <= 2).any() or (model.omega_ <= 0).any() or (model.alpha_ < 0).any() or (model.beta_ < 0).any():
                raise ValueError("parameters outside nu > 2, omega > 0, alpha >= 0, beta >= 0")
            model.static_ = None if "static" not in arrays else np.asarray(arrays["static"], dtype=np.float32)
            model.max_length_ = int(spec["max_length"])
            model._set_fitted(int(np.asarray(arrays["seed"])), list(history))
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelFileError(f"{cls.name}: saved state is incomplete or inconsistent ({exc}); fit the model again") from exc
        return model
