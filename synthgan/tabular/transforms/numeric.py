"""Observed range and resolution of a numeric column, used to keep decoded values valid.

Decoded numbers are clipped to the training min/max and snapped to the column's
resolution: whole numbers for integers, whole seconds/minutes/hours/days for
datetimes stored at that resolution, and the input's number of decimals for
floats (e.g. 4 decimals in california_housing), so synthetic values look like
real ones and integers round-trip exactly.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

# Datetime resolutions tried, coarsest first (seconds).
_DATETIME_STEPS = (86400.0, 3600.0, 60.0, 1.0, 1e-3, 1e-6)
_MAX_DECIMALS = 6
# Columns within this magnitude are learned as they are (float32 and the mixtures handle them).
_PLAIN_MAGNITUDE = 1e12


@dataclass
class NumericFormat:
    """Range and rounding of a numeric column.

    ``step`` > 0 rounds to multiples of ``step`` (integers, datetimes);
    otherwise ``decimals`` >= 0 rounds to that many decimals; ``decimals`` = -1
    means no rounding. ``int_low`` / ``int_high`` are the exact minimum and maximum
    of an integer dtype column (float64 rounds values beyond 2**53, so ``low`` and
    ``high`` may not be exact); the cast back to the dtype clips to them.
    """

    low: float = 0.0
    high: float = 0.0
    step: float = 0.0
    decimals: int = -1
    int_low: int | None = None
    int_high: int | None = None

    @classmethod
    def learn(cls, x: np.ndarray, kind: str, s: pd.Series | None = None) -> "NumericFormat":
        """Learn the format from the non-missing values ``x`` of a column of ``kind``.

        ``s``, the column itself, gives the exact bounds of integer dtypes.
        """
        if x.size == 0:
            return cls()
        low, high = float(x.min()), float(x.max())
        bounds = integer_bounds(s) if s is not None else None
        int_low, int_high = bounds if bounds is not None else (None, None)
        if kind == "integer":
            return cls(low, high, step=1.0, int_low=int_low, int_high=int_high)
        if kind == "datetime":
            return cls(low, high, step=_datetime_step(x))
        return cls(low, high, decimals=_decimals(x), int_low=int_low, int_high=int_high)

    @property
    def bounds(self) -> tuple[int, int] | None:
        """``(int_low, int_high)`` for integer dtypes, else None."""
        return None if self.int_low is None or self.int_high is None else (self.int_low, self.int_high)

    def apply(self, x: np.ndarray) -> np.ndarray:
        """Clip ``x`` to the observed range and round it to the column's resolution (NaN kept)."""
        out = np.clip(x, self.low, self.high)
        with np.errstate(over="ignore", invalid="ignore"):
            if self.step > 0:
                out = np.round(out / self.step) * self.step
            elif self.decimals > 0:
                rounded = np.round(out, self.decimals)  # overflows to inf for values near the float64 limit
                out = np.where(np.isfinite(rounded), rounded, out)
            elif self.decimals == 0:
                out = np.round(out)
        return np.clip(out, self.low, self.high)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Scaling:
    """An affine map of a numeric column onto about [-1, 1], safe up to the float64 limit.

    Models see ``z = (x - center) / half``: values of 1e300, or integers near 2**64
    that differ by a few thousands, become numbers float32 and the mixtures handle
    exactly as well as ordinary ones. Differences are taken on halved values so no
    intermediate overflows.
    """

    center: float = 0.0
    half: float = 1.0

    @property
    def is_identity(self) -> bool:
        return self.center == 0.0 and self.half == 1.0

    @classmethod
    def learn(cls, low: float, high: float) -> "Scaling":
        """The map taking ``[low, high]`` onto ``[-1, 1]``; the identity for ordinary magnitudes (<= 1e12)."""
        if max(abs(low), abs(high)) <= _PLAIN_MAGNITUDE:
            return cls()
        center = low / 2 + high / 2
        half = high / 2 - low / 2
        if not np.isfinite(half) or half <= 0:
            half = max(abs(center), 1.0) * 1e-3 if np.isfinite(center) else 1.0
        return cls(float(center), float(half))

    def forward(self, x: np.ndarray) -> np.ndarray:
        if self.is_identity:
            return x
        with np.errstate(over="ignore", invalid="ignore"):
            return (np.asarray(x, dtype=np.float64) / 2 - self.center / 2) / (self.half / 2)

    def backward(self, z: np.ndarray) -> np.ndarray:
        if self.is_identity:
            return z
        with np.errstate(over="ignore", invalid="ignore"):
            return self.center + np.asarray(z, dtype=np.float64) * self.half

    def to_dict(self) -> dict:
        return asdict(self)


def integer_bounds(s: pd.Series) -> tuple[int, int] | None:
    """Exact ``(min, max)`` of an integer dtype column (numpy or nullable) as Python ints, else None."""
    if not pd.api.types.is_integer_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype):
        return None
    present = s.dropna()
    if present.empty:
        return None
    return int(present.min()), int(present.max())


def _datetime_step(x: np.ndarray) -> float:
    for step in _DATETIME_STEPS:
        q = x / step
        if np.all(np.abs(q - np.round(q)) * step <= 1e-6):  # float seconds keep ~1e-7 s
            return step
    return 0.0


def _decimals(x: np.ndarray) -> int:
    """Fewest decimals (<= 6) that represent every value exactly as parsed from text, else -1."""
    sample = x[: 20_000]
    with np.errstate(over="ignore", invalid="ignore"):  # np.round scales by 10**d: inf near the float64 limit
        for d in range(_MAX_DECIMALS + 1):
            if np.all(np.round(sample, d) == sample):
                return d if np.all(np.round(x, d) == x) else -1
    return -1
