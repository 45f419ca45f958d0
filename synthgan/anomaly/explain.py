"""Which columns drive a row's anomaly score: the top ``k`` columns per row and their shares.

A detector gives each row a non-negative contribution per table column
(:meth:`~synthgan.anomaly.detectors.Scorer.attributions`: for the likelihood-based
detectors, the column's NLL or reconstruction error above its median over the training
rows, plus the novelty nats of unseen levels and, for ``vae``, the cell's tail surprise in
its column above that of the column's median; for the critic, gradient x input). The
columns come back ranked per row, with each one's share of the row's total
contribution (shares of a row sum to at most 1; they are 0 for a row no column
stands out in).
"""

from __future__ import annotations

from numbers import Integral
from typing import Any

import numpy as np
import pandas as pd

from synthgan.errors import ConfigError


def check_top(top: Any, n_columns: int) -> int:
    """``top`` as an int in ``[1, n_columns]`` (larger values are capped), or ConfigError."""
    if isinstance(top, bool) or not isinstance(top, Integral) or top < 1:
        raise ConfigError(f"top must be a positive number of columns, got {top!r}; e.g. top=3")
    return int(min(top, n_columns))


def top_columns(contributions: np.ndarray, top: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(index, contribution, share)``, each ``(rows, top)``: the ``top`` largest columns per row, largest first."""
    n, c = contributions.shape
    if top < c:
        part = np.argpartition(-contributions, top - 1, axis=1)[:, :top]
    else:
        part = np.broadcast_to(np.arange(c), (n, c))
    values = np.take_along_axis(contributions, part, axis=1)
    order = np.argsort(-values, axis=1, kind="stable")
    index = np.take_along_axis(part, order, axis=1)
    values = np.take_along_axis(values, order, axis=1)
    total = contributions.sum(axis=1, keepdims=True)
    share = np.divide(values, total, out=np.zeros_like(values), where=total > 0)
    return index, values, share


def explanation_frame(scores: np.ndarray, contributions: np.ndarray, columns: list[str], top: int,
                      index: pd.Index | None = None) -> pd.DataFrame:
    """One row per scored row: ``anomaly_score``, then ``column_i``, ``contribution_i`` and ``share_i`` for i = 1..top."""
    idx, values, share = top_columns(contributions, top)
    names = np.asarray(columns, dtype=object)[idx]
    data: dict[str, Any] = {"anomaly_score": scores}
    for i in range(idx.shape[1]):
        data[f"column_{i + 1}"] = names[:, i]
        data[f"contribution_{i + 1}"] = values[:, i]
        data[f"share_{i + 1}"] = share[:, i]
    return pd.DataFrame(data, index=index)
