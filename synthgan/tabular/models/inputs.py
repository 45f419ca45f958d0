"""Checks of the encoded matrix a table model receives at ``fit`` (seeds and ``n``: :mod:`synthgan.core.seeds`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from synthgan.tabular.layout import Layout
from synthgan.errors import ConfigError, DataValidationError


def check_encoded(data: Any, layout: Layout, *, model: str, encoding: str, allow_nan: bool = False) -> np.ndarray:
    """Return ``data`` as a C-contiguous float32 matrix matching ``layout``, or raise."""
    if not isinstance(layout, Layout):
        raise ConfigError(f"{model}: 'layout' must be a synthgan Layout, got {type(layout).__name__}; use the encoder's layout_")
    if layout.encoding != encoding:
        raise DataValidationError(f"{model}: learns from the {encoding!r} encoding but the layout is {layout.encoding!r}; encode with TableEncoder(encoding={encoding!r})")
    if not layout.spans:
        raise DataValidationError(f"{model}: the table has no learnable columns (only constant or identifier columns); add a column whose values vary")
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
