"""Windows and padding of series, vectorised: no Python loop over rows or windows.

Two layouts of the same series meet here:

* *flat*: the rows of every series one after another, ``values`` ``(n_rows, width)``
  with ``item`` ``(n_rows,)`` saying which series each row belongs to (non-decreasing);
* *padded*: ``(n_items, max_steps, width)`` with ``lengths[i]`` valid steps per series,
  zeros after them (what :class:`~synthgan.core.encoded.EncodedData` holds).

:func:`pad_items` and :func:`unpad` go between the two; :func:`sliding_windows` cuts one
series into training windows and :func:`series_windows` does the same for every series
of a padded batch at once, never crossing into another series or into the padding.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from synthgan.errors import ConfigError, DataValidationError

__all__ = ["Windows", "pad_items", "series_windows", "sliding_windows", "unpad", "valid_mask", "window_starts"]


class Windows(NamedTuple):
    """Windows cut from padded series: ``values`` ``(n_windows, length, width)``; ``items``,
    ``starts`` (step of each window's first row in its series) and ``lengths`` (valid steps of
    each window, ``length`` except for a short series kept whole) are ``(n_windows,)`` int64."""

    values: np.ndarray
    items: np.ndarray
    starts: np.ndarray
    lengths: np.ndarray


def _check_window(length: int, stride: int) -> None:
    for name, value in (("length", length), ("stride", stride)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ConfigError(f"window {name} must be a positive integer number of steps, got {value!r}")


def sliding_windows(series: np.ndarray, length: int, stride: int = 1) -> np.ndarray:
    """Every window of ``length`` consecutive steps of one series, ``stride`` steps apart.

    Parameters
    ----------
    series : ndarray of shape (steps,) or (steps, width)
    length : int
        Steps per window.
    stride : int, default=1
        Steps between the starts of two windows.

    Returns
    -------
    ndarray of shape (n_windows, length, width)
        A read-only view of ``series`` (no copy); ``n_windows = (steps - length) // stride + 1``.

    Raises
    ------
    DataValidationError
        The series is shorter than one window.
    """
    _check_window(length, stride)
    series = np.asarray(series)
    if series.ndim == 1:
        series = series[:, None]
    if series.ndim != 2:
        raise DataValidationError(f"a series must have shape (steps,) or (steps, width), got {series.shape}")
    if len(series) < length:
        raise DataValidationError(f"the series has {len(series)} steps, fewer than one window of {length}; use a shorter window length")
    view = sliding_window_view(series, length, axis=0)[::stride]  # (n_windows, width, length)
    return np.moveaxis(view, 2, 1)


def window_starts(lengths: np.ndarray, length: int, stride: int = 1, *, keep_short: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """``(items, starts)`` of every window of ``length`` steps inside series of ``lengths``.

    A series gives windows at steps ``0, stride, 2 * stride, ...`` while the window fits.
    A series shorter than ``length`` gives one window at step 0 when ``keep_short`` (its
    valid part is then shorter than ``length``), none otherwise.
    """
    _check_window(length, stride)
    lengths = np.asarray(lengths, dtype=np.int64)
    counts = np.where(lengths >= length, (lengths - length) // stride + 1, 1 if keep_short else 0)
    items = np.repeat(np.arange(len(lengths), dtype=np.int64), counts)
    first = np.cumsum(counts) - counts  # position of each series' first window
    starts = (np.arange(len(items), dtype=np.int64) - np.repeat(first, counts)) * stride
    return items, starts


def series_windows(temporal: np.ndarray, lengths: np.ndarray, length: int, stride: int = 1, *, keep_short: bool = False) -> Windows:
    """Training windows of every series of a padded batch, never crossing a series' end.

    Parameters
    ----------
    temporal : ndarray of shape (n_items, max_steps, width)
        Padded series (e.g. ``EncodedData.temporal``).
    lengths : ndarray of shape (n_items,)
        Valid steps of each series.
    length : int
        Steps per window.
    stride : int, default=1
        Steps between the starts of two windows of one series.
    keep_short : bool, default=False
        Keep a series shorter than ``length`` as one window padded with zeros
        (its ``lengths`` entry says how many steps are valid); by default it is skipped.

    Returns
    -------
    Windows
        ``values`` is a new array of shape ``(n_windows, length, width)``, in series order.
    """
    temporal = np.asarray(temporal)
    if temporal.ndim != 3 or len(lengths) != len(temporal):
        raise DataValidationError(
            f"series_windows takes (n_items, steps, width) with one length per item, got {temporal.shape} and {len(lengths)} lengths"
        )
    items, starts = window_starts(lengths, length, stride, keep_short=keep_short)
    if len(items) == 0:
        raise DataValidationError(
            f"no series has {length} steps (the longest has {int(np.max(lengths, initial=0))}); use a shorter window length"
        )
    pad = max(0, length - temporal.shape[1])
    if pad:  # short series kept whole in a window longer than the batch
        temporal = np.pad(temporal, ((0, 0), (0, pad), (0, 0)))
    steps = starts[:, None] + np.arange(length)
    values = temporal[items[:, None], steps]
    valid = np.minimum(np.asarray(lengths, dtype=np.int64)[items] - starts, length)
    values[np.arange(length)[None, :] >= valid[:, None]] = 0
    return Windows(values, items, starts, valid)


def pad_items(values: np.ndarray, item: np.ndarray, n_items: int | None = None, *, dtype=np.float32) -> tuple[np.ndarray, np.ndarray]:
    """Flat rows grouped by ``item`` -> ``(padded (n_items, max_steps, width), lengths)``.

    ``item`` must be non-decreasing (rows of one series together, in time order); every
    item in ``0 .. n_items - 1`` must hold at least one row.
    """
    values = np.asarray(values)
    if values.ndim == 1:
        values = values[:, None]
    item = np.asarray(item, dtype=np.int64)
    if len(item) != len(values) or (len(item) and np.any(np.diff(item) < 0)):
        raise DataValidationError("pad_items needs one non-decreasing item id per row (rows of a series together)")
    n_items = int(item[-1]) + 1 if n_items is None and len(item) else int(n_items or 0)
    lengths = np.bincount(item, minlength=n_items).astype(np.int64)
    if n_items and lengths.min() < 1:
        raise DataValidationError(f"item {int(np.argmin(lengths))} holds no rows; every series needs at least one step")
    step = np.arange(len(item), dtype=np.int64) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    padded = np.zeros((n_items, int(lengths.max(initial=0)), values.shape[1]), dtype=dtype)
    padded[item, step] = values
    return padded, lengths


def valid_mask(lengths: np.ndarray, steps: int) -> np.ndarray:
    """``(n_items, steps)`` bool: True on the valid steps of each series."""
    return np.arange(steps)[None, :] < np.asarray(lengths)[:, None]


def unpad(padded: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(values, item, step)``: the valid rows of a padded batch, flat, with their item and step."""
    padded = np.asarray(padded)
    mask = valid_mask(lengths, padded.shape[1])
    item, step = np.nonzero(mask)
    return padded[mask], item.astype(np.int64), step.astype(np.int64)
