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

# Datetime resolutions tried, coarsest first (seconds).
_DATETIME_STEPS = (86400.0, 3600.0, 60.0, 1.0, 1e-3, 1e-6)
_MAX_DECIMALS = 6


@dataclass
class NumericFormat:
    """Range and rounding of a numeric column.

    ``step`` > 0 rounds to multiples of ``step`` (integers, datetimes);
    otherwise ``decimals`` >= 0 rounds to that many decimals; ``decimals`` = -1
    means no rounding.
    """

    low: float = 0.0
    high: float = 0.0
    step: float = 0.0
    decimals: int = -1

    @classmethod
    def learn(cls, x: np.ndarray, kind: str) -> "NumericFormat":
        """Learn the format from the non-missing values ``x`` of a column of ``kind``."""
        if x.size == 0:
            return cls()
        low, high = float(x.min()), float(x.max())
        if kind == "integer":
            return cls(low, high, step=1.0)
        if kind == "datetime":
            return cls(low, high, step=_datetime_step(x))
        return cls(low, high, decimals=_decimals(x))

    def apply(self, x: np.ndarray) -> np.ndarray:
        """Clip ``x`` to the observed range and round it to the column's resolution (NaN kept)."""
        out = np.clip(x, self.low, self.high)
        if self.step > 0:
            out = np.round(out / self.step) * self.step
        elif self.decimals >= 0:
            out = np.round(out, self.decimals)
        return out

    def to_dict(self) -> dict:
        return asdict(self)


def _datetime_step(x: np.ndarray) -> float:
    for step in _DATETIME_STEPS:
        q = x / step
        if np.all(np.abs(q - np.round(q)) * step <= 1e-6):  # float seconds keep ~1e-7 s
            return step
    return 0.0


def _decimals(x: np.ndarray) -> int:
    """Fewest decimals (<= 6) that represent every value exactly as parsed from text, else -1."""
    sample = x[: 20_000]
    for d in range(_MAX_DECIMALS + 1):
        if np.all(np.round(sample, d) == sample):
            return d if np.all(np.round(x, d) == x) else -1
    return -1
