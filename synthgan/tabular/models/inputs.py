"""Checks of what models receive at ``fit``/``sample`` time: the encoded matrix, ``n``, seeds."""

from __future__ import annotations

from numbers import Integral
from typing import Any

import numpy as np

from synthgan._random import child_seed
from synthgan.tabular.layout import Layout
from synthgan.errors import ConfigError, DataValidationError


def check_encoded(data: Any, layout: Layout, *, model: str, encoding: str, allow_nan: bool = False) -> np.ndarray:
    """Return ``data`` as a C-contiguous float32 matrix matching ``layout``, or raise."""
    if not isinstance(layout, Layout):
        raise ConfigError(f"{model}: 'layout' must be a synthgan Layout, got {type(layout).__name__}; use the encoder's layout_")
    if layout.encoding != encoding:
        raise DataValidationError(f"{model}: learns from the {encoding!r} encoding but the layout is {layout.encoding!r}; encode with TableEncoder(encoding={encoding!r})")
    if not layout.spans:
        raise DataValidationError(f"{model}: the layout has no spans (no learnable columns); give a table with at least one column to learn")
    x = np.asarray(data)
    if x.ndim != 2 or x.shape[1] != layout.width:
        raise DataValidationError(f"{model}: data must have shape (rows, {layout.width}) to match the layout, got {x.shape}; encode the table with the same encoder")
    if not np.issubdtype(x.dtype, np.number):
        raise DataValidationError(f"{model}: data must be numeric (float32), got dtype {x.dtype}; pass the encoder's output")
    if x.shape[0] < 2:
        raise DataValidationError(f"{model}: needs at least 2 rows to learn from, got {x.shape[0]}; give a larger table")
    x = np.ascontiguousarray(x, dtype=np.float32)
    bad = ~np.isfinite(x) if not allow_nan else np.isinf(x)
    if bad.any():
        col = int(np.flatnonzero(bad.any(axis=0))[0])
        name = next(s.column for s in layout.spans if s.start <= col < s.end)
        raise DataValidationError(f"{model}: encoded column {col} (table column {name!r}) has non-finite values; check the encoder output for that column")
    return x


def check_n(n: Any, *, model: str) -> int:
    if isinstance(n, bool) or not isinstance(n, Integral) or n <= 0:
        raise ConfigError(f"{model}: 'n' (number of rows) must be a positive integer, got {n!r}; pass e.g. n=1000")
    return int(n)


def check_seed(seed: Any, *, model: str, arg: str = "seed") -> int | None:
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
    """

    def __init__(self, fit_seed: int) -> None:
        self._rng = np.random.default_rng(child_seed(fit_seed, "sample-stream"))

    def resolve(self, seed: Any, *, model: str) -> int:
        checked = check_seed(seed, model=model)
        return int(self._rng.integers(0, 2**63 - 1)) if checked is None else checked
