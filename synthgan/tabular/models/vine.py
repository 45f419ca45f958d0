"""Vine copula: the Gaussian copula's empirical marginals joined by a regular vine (pyvinecopulib).

Sun, Cuesta-Infante and Veeramachaneni (2018) generate tables by learning the marginals
and a vine, a cascade of bivariate copulas, one per edge of a sequence of trees, so that
each pair of columns (and each pair given others) can have its own tail dependence and
asymmetry, where a Gaussian copula has one correlation matrix. The vine itself is
selected and fitted by pyvinecopulib (structure by maximum spanning trees of Kendall's
tau, families by AIC); nothing of it is written here.

Discrete columns (category codes, point masses, the "is missing" flags) have no unique
ranks: they enter the vine as pseudo-observations with ties broken at random, which is
the randomised probability integral transform (a uniform draw inside the value's CDF
interval). Sampling draws uniforms from numpy (the model's own seeded generator), maps
them through the vine's inverse Rosenblatt transform, then through each marginal's
inverse CDF exactly as :class:`~synthgan.tabular.models.copula.GaussianCopula` does.

The fitted vine is kept as pyvinecopulib's JSON text, stored as bytes in the model
file's arrays (no pickle). Needs the ``vine`` extra: ``pip install "synthgan[vine]"``.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from synthgan._random import numpy_rng
from synthgan.core import params as P
from synthgan.core.model import Capabilities
from synthgan.core.seeds import check_n
from synthgan.errors import ConditionError, ConfigError, ModelFileError, check_is_fitted
from synthgan.tabular.layout import Layout
from synthgan.tabular.models.base import as_layout
from synthgan.tabular.models.copula import GaussianCopula

FAMILY_SETS = ("parametric", "one-parameter", "gaussian", "all")


def _pyvinecopulib() -> Any:
    try:
        import pyvinecopulib
    except ImportError as exc:  # an optional extra: say which
        raise ConfigError('the vine-copula model needs pyvinecopulib: pip install "synthgan[vine]"') from exc
    return pyvinecopulib


def _families(pv: Any, name: str) -> list:
    fam = pv.BicopFamily
    return {
        "parametric": [fam.indep, fam.gaussian, fam.student, fam.clayton, fam.gumbel, fam.frank, fam.joe,
                       fam.bb1, fam.bb6, fam.bb7, fam.bb8, fam.tawn],
        "one-parameter": [fam.indep, fam.gaussian, fam.clayton, fam.gumbel, fam.frank, fam.joe],
        "gaussian": [fam.indep, fam.gaussian],
        "all": [],  # pyvinecopulib: every family, the nonparametric TLL included
    }[name]


def pseudo_observations(z: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Per column, ``(rank - 0.5) / n`` with ties broken at random (the randomised PIT of discrete columns)."""
    n, d = z.shape
    u = np.empty((n, d))
    for j in range(d):  # one sort per column, vectorised over rows
        order = np.lexsort((rng.random(n), z[:, j]))
        u[order, j] = (np.arange(n) + 0.5) / n
    return u


class VineCopula(GaussianCopula):
    """Regular vine copula over empirical marginals (pyvinecopulib), after Sun et al. (2018).

    Parameters
    ----------
    epochs, batch_size : None
        Accepted for a uniform interface; the vine fits in one pass.
    families : {"parametric", "one-parameter", "gaussian", "all"}, default="parametric"
        Pair-copula families to choose from (by AIC): pyvinecopulib's parametric ones;
        the one-parameter ones; only Gaussian (a Gaussian vine); or all, including the
        nonparametric transformation-kernel family (slowest).
    truncation : int, optional
        Trees fitted before the rest are set to independence (``None``: all of them).
    max_fit_rows : int, default=5000
        Rows the vine is selected and fitted on (a random subset; the marginals use every row).
    max_quantiles : int, default=2048
        Knots of each numeric column's quantile function.
    threads : int, default=2
        pyvinecopulib's threads for fitting and sampling.
    device : str, default="cpu"
        Accepted for a uniform interface.

    Attributes
    ----------
    layout_ : Layout
    vine_ : pyvinecopulib.Vinecop
    history_ : list of dict
        One entry: the vine's mean negative log-likelihood per fitted row, seconds.
    seed_ : int
    """

    name: ClassVar[str] = "vine-copula"
    capabilities: ClassVar[Capabilities] = Capabilities(
        kind="table", summary="vine copula (pyvinecopulib) with empirical marginals, after Sun et al. 2018",
        family="vine-copula", trainable=False, devices=("cpu",), encoding="ordinal", augmentation_arm=False)
    checkers = {
        "epochs": P.optional_positive_int,
        "batch_size": P.optional_positive_int,
        "families": P.one_of(*FAMILY_SETS),
        "truncation": P.optional_positive_int,
        "max_fit_rows": P.positive_int,
        "max_quantiles": P.positive_int,
        "threads": P.positive_int,
        "device": P.device_name,
    }

    def __init__(self, *, epochs: int | None = None, batch_size: int | None = None, families: str = "parametric",
                 truncation: int | None = None, max_fit_rows: int = 5000, max_quantiles: int = 2048, threads: int = 2,
                 device: str = "cpu") -> None:
        self._store(locals())

    def fit(self, data: Any, layout: Layout | None = None, *, seed: int | None = None, callbacks: list | None = None) -> "VineCopula":
        """Learn the marginals of ``data`` (ordinal encoding, NaN = missing) and a vine over their ranks.

        Returns
        -------
        self
        """
        _pyvinecopulib()  # a missing extra fails before any work
        return super().fit(data, layout, seed=seed, callbacks=callbacks)

    def _fit_dependence(self, z: np.ndarray, cfg: dict[str, Any], fit_seed: int) -> float:
        """Select and fit the vine on the ranks of ``z`` (at most ``max_fit_rows``); its mean negative log-likelihood per row."""
        pv = _pyvinecopulib()
        rng = numpy_rng(fit_seed, "vine")
        if len(z) > cfg["max_fit_rows"]:
            z = z[np.sort(rng.choice(len(z), cfg["max_fit_rows"], replace=False))]
        u = pseudo_observations(z, rng)
        controls = pv.FitControlsVinecop(family_set=_families(pv, cfg["families"]), num_threads=cfg["threads"],
                                         **({"trunc_lvl": cfg["truncation"]} if cfg["truncation"] else {}))
        self.vine_ = pv.Vinecop.from_data(np.asfortranarray(u), controls=controls)
        return -float(self.vine_.loglik(np.asfortranarray(u))) / len(u)

    def _prepare_sampling(self) -> None:
        """Nothing to precompute: the vine samples through pyvinecopulib."""

    def sample(self, n: int, *, seed: int | None = None, condition: tuple[int, int] | None = None) -> np.ndarray:
        """Draw ``n`` rows in the ordinal encoding (float32; NaN = missing)."""
        check_is_fitted(self, "layout_")
        n = check_n(n, model=self.name)
        if condition is not None:
            raise ConditionError(f"{self.name} cannot sample with a condition natively; sample without 'condition' and filter the rows")
        rng = numpy_rng(self._sample_seeds.resolve(seed, model=self.name), "sample")
        w = np.asfortranarray(rng.random((n, self.vine_.dim)))
        # a deterministic function of w: the thread count changes the speed, not the rows
        u = self.vine_.inverse_rosenblatt(w, num_threads=self.threads if isinstance(self.threads, int) and self.threads > 0 else 1)
        return self._decode_uniforms(np.clip(u, 0.0, 1.0))

    def state_arrays(self) -> dict[str, np.ndarray]:
        """The vine as JSON bytes, per-latent-column kind/column and the knots of every marginal."""
        check_is_fitted(self, "layout_")
        return {"vine_json": np.frombuffer(self.vine_.to_json().encode("utf-8"), dtype=np.uint8).copy(), **self._marginal_arrays()}

    @classmethod
    def from_state(cls, config: dict[str, Any], arrays: dict[str, np.ndarray], spec: dict | Layout,
                   history: list[dict[str, float]]) -> "VineCopula":
        """Rebuild a fitted vine copula from ``get_config()``, ``state_arrays()`` and ``data_spec()``."""
        pv = _pyvinecopulib()
        layout = as_layout(spec, model=cls.name)
        model = cls(**config)
        try:
            model.vine_ = pv.Vinecop.from_json(np.asarray(arrays["vine_json"], dtype=np.uint8).tobytes().decode("utf-8"))
            model._load_marginals(arrays)
            if model.vine_.dim != len(model.latent_kind_):
                raise ValueError(f"the vine has {model.vine_.dim} variables, the marginals {len(model.latent_kind_)}")
            model._set_fitted(layout, int(np.asarray(arrays["seed"])), list(history))
        except (KeyError, ValueError, RuntimeError, UnicodeDecodeError) as exc:
            raise ModelFileError(f"{cls.name}: saved state is incomplete or inconsistent ({exc}); fit the model again") from exc
        return model
