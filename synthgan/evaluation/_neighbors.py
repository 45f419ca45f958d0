"""Exact nearest-neighbour search on embedded rows, chunked so memory stays bounded.

Squared distances come from one matrix product per chunk (fast, float32); the k
chosen neighbours' distances are then recomputed exactly in float64, so an exact
copy has distance 0 and ties between equal rows stay ties.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import torch

_MAX_ELEMENTS = 16_000_000  # per distance chunk: 64 MB of float32


def distance_chunks(query: np.ndarray, reference: np.ndarray, *,
                    rank_only: bool = False) -> Iterator[tuple[int, torch.Tensor]]:
    """Yield ``(start, d2)``: squared distances of query rows ``start:start+len(d2)`` to every reference row.

    With ``rank_only`` the query rows' own squared norms are left out: the values are
    then only good for ranking reference rows per query row, one pass cheaper.
    """
    q = torch.from_numpy(np.ascontiguousarray(query, dtype=np.float32))
    r = torch.from_numpy(np.ascontiguousarray(reference, dtype=np.float32))
    r_sq = (r * r).sum(dim=1)
    step = max(1, _MAX_ELEMENTS // max(1, len(reference)))
    for start in range(0, len(q), step):
        block = q[start:start + step]
        d2 = torch.addmm(r_sq.expand(len(block), -1), block, r.T, beta=1.0, alpha=-2.0)
        if not rank_only:
            d2.add_((block * block).sum(dim=1, keepdim=True)).clamp_(min=0.0)
        yield start, d2


def nearest(query: np.ndarray, reference: np.ndarray, k: int = 1, *,
            exclude_self: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Distances and indices of the ``k`` nearest reference rows of every query row.

    Parameters
    ----------
    query, reference : ndarray of shape (n, d) and (m, d)
        Embedded rows.
    k : int, default=1
        Number of neighbours (must be <= m, or m - 1 with ``exclude_self``).
    exclude_self : bool, default=False
        ``query`` *is* ``reference``: row i is not its own neighbour.

    Returns
    -------
    distances : ndarray of shape (n, k), float64, ascending
    indices : ndarray of shape (n, k), int64
    """
    indices = np.empty((len(query), k), dtype=np.int64)
    for start, d2 in distance_chunks(query, reference, rank_only=True):
        if exclude_self:
            rows = torch.arange(d2.shape[0])
            d2[rows, rows + start] = float("inf")
        if k == 1:
            indices[start:start + d2.shape[0], 0] = d2.argmin(dim=1).numpy()
        else:
            indices[start:start + d2.shape[0]] = torch.topk(d2, k, dim=1, largest=False).indices.numpy()
    q64 = query.astype(np.float64)
    distances = np.empty((len(query), k), dtype=np.float64)
    for j in range(k):  # exact recomputation, one neighbour rank at a time to bound memory
        distances[:, j] = np.linalg.norm(q64 - reference[indices[:, j]].astype(np.float64), axis=1)
    order = np.argsort(distances, axis=1, kind="stable")
    return np.take_along_axis(distances, order, axis=1), np.take_along_axis(indices, order, axis=1)
