"""Seeds a model receives at ``fit``/``sample`` time: checks, the fit seed, and the sampling stream."""

from __future__ import annotations

import threading
from numbers import Integral
from typing import Any

import numpy as np

from synthgan._random import child_seed
from synthgan.errors import ConfigError


def check_n(n: Any, *, model: str) -> int:
    """``n`` as a positive int, or ConfigError."""
    if isinstance(n, bool) or not isinstance(n, Integral) or n <= 0:
        raise ConfigError(f"{model}: 'n' (number of rows) must be a positive integer, got {n!r}; pass e.g. n=1000")
    return int(n)


def check_seed(seed: Any, *, model: str, arg: str = "seed") -> int | None:
    """``seed`` as an int in ``[0, 2**63)`` or None, or ConfigError."""
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, Integral) or not 0 <= seed < 2**63:
        raise ConfigError(f"{model}: '{arg}' must be an integer in [0, 2**63) or None, got {seed!r}; pass e.g. {arg}=0")
    return int(seed)


def resolve_fit_seed(seed: Any, *, model: str) -> int:
    """The seed a fit actually uses: ``seed`` itself, or fresh entropy recorded so the model stays reproducible."""
    checked = check_seed(seed, model=model)
    return child_seed(None, "fit") if checked is None else checked


class SampleSeeds:
    """Seeds for successive ``sample(seed=None)`` calls, drawn from the model's own stream.

    A freshly fitted or rebuilt model always starts the same way; two calls differ.
    Thread-safe: an unseeded call draws its one seed under a lock and then proceeds
    with local state only; a seeded call never touches the stream.
    """

    def __init__(self, fit_seed: int) -> None:
        self._rng = np.random.default_rng(child_seed(fit_seed, "sample-stream"))
        self._lock = threading.Lock()

    def resolve(self, seed: Any, *, model: str) -> int:
        """``seed`` itself (checked), or the next seed of the model's stream when it is ``None``."""
        checked = check_seed(seed, model=model)
        if checked is not None:
            return checked
        with self._lock:
            return int(self._rng.integers(0, 2**63 - 1))
