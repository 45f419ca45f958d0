"""Prices <-> returns, and open/high/low/close bars <-> unconstrained features.

Price series are learned as returns and rebuilt as levels from a start level (the last
training level, or one the caller gives): ``log`` returns ``r_t = log(p_t / p_{t-1})``
rebuild as ``p_t = p_0 exp(r_1 + ... + r_t)``; ``simple`` returns ``r_t = p_t / p_{t-1} - 1``
as ``p_t = p_0 (1 + r_1) ... (1 + r_t)``.

An OHLC group (columns named Open/High/Low/Close, any case; at least High, Low and one of
Open/Close) is encoded so that *any* real feature values decode to a valid bar,
``Low <= min(Open, Close) <= max(Open, Close) <= High``, all prices > 0:

* ``anchor``: the close's log return (or, without returns, its log level); the open's
  when there is no close;
* ``gap`` (open and close both present): the overnight gap ``log(Open_t / Close_{t-1})``
  (without returns: the body ``log(Open_t / Close_t)``);
* ``up`` = ``log(log(High / max(O, C)) + eps)`` and ``down`` = ``log(log(min(O, C) / Low) + eps)``:
  the log spreads are >= 0, so their log (shifted by ``eps`` for bars with no range)
  is unconstrained; decoding maps any real ``f`` to the spread ``max(exp(f) - eps, 0)``.

The group is always encoded in log space (``returns="simple"`` applies to other price
columns): only then is every decoded bar positive and ordered.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Callable

import numpy as np

from synthgan.errors import ConfigError, DataValidationError

__all__ = [
    "RETURN_KINDS", "OHLCGroup", "check_positive", "decode_ohlc", "encode_ohlc", "find_ohlc",
    "from_returns", "returns_within", "to_returns",
]

RETURN_KINDS = ("log", "simple")
SPREAD_EPS = 1e-6  # log spreads below this are a bar with (almost) no range
_MAX_SPREAD = 10.0  # a decoded log spread is capped: High / max(O, C) <= e^10
_MAX_LOG_LEVEL = 600.0  # decoded log levels are clipped so every price stays finite


def _check_kind(kind: str) -> None:
    if kind not in RETURN_KINDS:
        raise ConfigError(f"returns must be one of {RETURN_KINDS} (or None), got {kind!r}")


def check_positive(levels: np.ndarray, column: str, where: Callable[[int], str] | None = None) -> None:
    """Raise :class:`DataValidationError` naming the first value <= 0 of ``levels`` (NaN ignored).

    ``where(i)`` says where value ``i`` is (its date, its row) for the message.
    """
    bad = np.asarray(levels) <= 0
    if bad.any():
        first = int(np.argmax(bad))
        at = f"row {first}" if where is None else where(first)
        raise DataValidationError(
            f"Column '{column}' holds {float(levels[first]):g} at {at} ({int(bad.sum())} values <= 0 in all): log returns "
            "and OHLC bars need prices > 0. Fix or drop those rows, learn the column without returns "
            "(--returns none), or leave it out of the price columns."
        )


def to_returns(levels: np.ndarray, kind: str = "log") -> np.ndarray:
    """Returns along the last axis: one fewer step than ``levels``."""
    _check_kind(kind)
    levels = np.asarray(levels, dtype=np.float64)
    if kind == "log":
        return np.diff(np.log(levels), axis=-1)
    return levels[..., 1:] / levels[..., :-1] - 1.0


def from_returns(returns: np.ndarray, start: np.ndarray | float, kind: str = "log") -> np.ndarray:
    """Levels rebuilt from ``returns`` (last axis = steps) after the level ``start``.

    ``start`` is one level per series (the shape of ``returns`` without its last axis) or a
    scalar; the result has the shape of ``returns`` and does not include ``start``.
    """
    _check_kind(kind)
    returns = np.asarray(returns, dtype=np.float64)
    start = np.asarray(start, dtype=np.float64)[..., None]
    if kind == "log":
        return start * np.exp(np.clip(np.cumsum(returns, axis=-1), -_MAX_LOG_LEVEL, _MAX_LOG_LEVEL))
    return start * np.cumprod(1.0 + returns, axis=-1)


def returns_within(levels: np.ndarray, first: np.ndarray, kind: str = "log") -> np.ndarray:
    """Flat returns of many series: value ``i`` is the return from row ``i - 1`` to row ``i``,
    NaN where ``first`` marks the first row of a series (there is no earlier level)."""
    out = np.full(len(levels), np.nan)
    if len(levels) > 1:
        out[1:] = to_returns(levels, kind)
    out[np.asarray(first, dtype=bool)] = np.nan
    return out


# --------------------------------------------------------------------- OHLC


@dataclass(frozen=True)
class OHLCGroup:
    """The columns of one OHLC bar; ``open`` or ``close`` may be missing (not both)."""

    high: str
    low: str
    open: str | None = None
    close: str | None = None

    @property
    def anchor(self) -> str:
        """The price whose returns carry the level: the close, else the open."""
        return self.close if self.close is not None else self.open

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(c for c in (self.open, self.high, self.low, self.close) if c is not None)

    @property
    def features(self) -> tuple[str, ...]:
        """Names of the encoded features, in order."""
        gap = ("gap",) if self.open is not None and self.close is not None else ()
        return ("anchor", *gap, "up", "down")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict | None) -> "OHLCGroup | None":
        return None if data is None else cls(**data)


def find_ohlc(columns: list[str] | tuple[str, ...]) -> OHLCGroup | None:
    """The OHLC group among ``columns`` (names matched case-insensitively), or None.

    A group needs High, Low and at least one of Open and Close.
    """
    by_name = {str(c).strip().lower(): c for c in columns}
    found = {key: by_name.get(key) for key in ("open", "high", "low", "close")}
    if found["high"] is None or found["low"] is None or (found["open"] is None and found["close"] is None):
        return None
    return OHLCGroup(found["high"], found["low"], found["open"], found["close"])


def _spread_feature(spread: np.ndarray) -> np.ndarray:
    return np.log(np.maximum(spread, 0.0) + SPREAD_EPS)


def _spread(feature: np.ndarray) -> np.ndarray:
    return np.clip(np.exp(np.minimum(feature, np.log(_MAX_SPREAD + SPREAD_EPS))) - SPREAD_EPS, 0.0, _MAX_SPREAD)


def encode_ohlc(group: OHLCGroup, prices: dict[str, np.ndarray], first: np.ndarray | None, *, returns: bool) -> dict[str, np.ndarray]:
    """Flat OHLC prices -> the group's features (see the module docstring), one value per row.

    Parameters
    ----------
    group : OHLCGroup
    prices : dict of str to ndarray of shape (n_rows,)
        Positive prices of every group column (check them with :func:`check_positive`).
    first : ndarray of bool, shape (n_rows,), or None
        First row of each series; with ``returns`` their anchor and gap are NaN.
    returns : bool
        Anchor as log returns and gap overnight (True), or anchor as log level and gap
        as the body (False).

    Returns
    -------
    dict of str to ndarray
        Every name of ``group.features``. Bars that break the ordering in the data
        (rare bad ticks) get a zero spread where they break it.
    """
    log = {c: np.log(np.asarray(prices[c], dtype=np.float64)) for c in group.columns}
    anchor = log[group.anchor]
    out: dict[str, np.ndarray] = {}
    if returns:
        out["anchor"] = np.concatenate([[np.nan], np.diff(anchor)]) if len(anchor) else anchor.copy()
        out["anchor"][np.asarray(first, dtype=bool)] = np.nan
    else:
        out["anchor"] = anchor.copy()
    body_hi, body_lo = anchor, anchor
    if "gap" in group.features:
        o, c = log[group.open], log[group.close]
        if returns:
            prev_close = np.concatenate([[np.nan], c[:-1]]) if len(c) else c
            gap = o - prev_close
            gap[np.asarray(first, dtype=bool)] = np.nan
        else:
            gap = o - c
        out["gap"] = gap
        body_hi, body_lo = np.maximum(o, c), np.minimum(o, c)
    out["up"] = _spread_feature(log[group.high] - body_hi)
    out["down"] = _spread_feature(body_lo - log[group.low])
    return out


def decode_ohlc(group: OHLCGroup, features: dict[str, np.ndarray], start: np.ndarray | float | None, *, returns: bool) -> dict[str, np.ndarray]:
    """Any real features ``(n, steps)`` -> prices of every group column, ``(n, steps)``.

    ``start`` is the anchor's level before the first step, one per series (needed with
    ``returns``). Every decoded bar is positive and ordered: ``Low <= min(Open, Close)``
    and ``max(Open, Close) <= High``.
    """
    anchor = np.asarray(features["anchor"], dtype=np.float64)
    if returns:
        start_log = np.log(np.asarray(start, dtype=np.float64))[..., None]
        log_anchor = start_log + np.cumsum(anchor, axis=-1)
    else:
        log_anchor = anchor
    log_anchor = np.clip(log_anchor, -_MAX_LOG_LEVEL, _MAX_LOG_LEVEL)
    out = {group.anchor: np.exp(log_anchor)}
    hi = lo = log_anchor
    if "gap" in group.features:
        gap = np.clip(np.asarray(features["gap"], dtype=np.float64), -50.0, 50.0)
        base = np.concatenate([np.broadcast_to(start_log, log_anchor[..., :1].shape), log_anchor[..., :-1]], axis=-1) if returns else log_anchor
        log_open = np.clip(base + gap, -_MAX_LOG_LEVEL, _MAX_LOG_LEVEL)
        out[group.open] = np.exp(log_open)
        hi, lo = np.maximum(log_open, log_anchor), np.minimum(log_open, log_anchor)
    out[group.high] = np.exp(hi + _spread(np.asarray(features["up"], dtype=np.float64)))
    out[group.low] = np.exp(lo - _spread(np.asarray(features["down"], dtype=np.float64)))
    # exp is monotone, but rounding may still tip a bar whose spread is 0: pin the bounds
    body_max = np.maximum(out[group.anchor], out.get(group.open, out[group.anchor]))
    body_min = np.minimum(out[group.anchor], out.get(group.open, out[group.anchor]))
    out[group.high] = np.maximum(out[group.high], body_max)
    out[group.low] = np.minimum(out[group.low], body_min)
    return out
