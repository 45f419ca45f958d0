"""Precision, recall, density and coverage of synthetic feature rows against real ones (Naeem et al. 2020).

Each real row gets a ball whose radius is the distance to its ``k``-th nearest other real row,
each synthetic row likewise among the synthetic rows. Then

* **precision**: share of synthetic rows inside at least one real ball (fidelity);
* **recall**: share of real rows inside at least one synthetic ball (diversity);
* **density**: number of real balls holding a synthetic row, averaged over synthetic rows and
  divided by ``k`` (about 1 when the two sets come from one distribution, above 1 when the
  synthetic rows crowd where the real ones are dense);
* **coverage**: share of real rows whose ball holds at least one synthetic row.

"Inside" is a strict ``distance < radius``, as in the authors' ``prdc`` package. Distances are
Euclidean, computed with :func:`torch.cdist` in blocks of rows so that memory stays below
``max_block_elements`` floats whatever the set sizes; the answer equals the all-pairs one.
The radii depend on the set sizes, so compare sets of equal size (the suite subsamples both
sides to the same number of rows).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from synthgan.errors import ConfigError, DataValidationError

NEAREST_K = 5
MAX_BLOCK_ELEMENTS = 8_000_000  # float64 distances per block: 64 MB


def _tensor(x: np.ndarray, name: str):
    import torch

    a = np.asarray(x, dtype=np.float64)
    if a.ndim != 2 or len(a) == 0:
        raise DataValidationError(f"{name} must be a 2-D array of feature rows, got shape {a.shape}")
    if not np.isfinite(a).all():
        raise DataValidationError(f"{name} holds NaN or infinite values; embed finite images")
    return torch.from_numpy(a)


def kth_neighbour_radii(x: np.ndarray, k: int = NEAREST_K, *,
                        max_block_elements: int = MAX_BLOCK_ELEMENTS) -> np.ndarray:
    """Distance of every row to its ``k``-th nearest *other* row of the same set.

    Parameters
    ----------
    x : ndarray of shape (n, d)
    k : int, default=5
        Must be below ``n``.
    max_block_elements : int
        Largest distance block held at once.

    Returns
    -------
    ndarray of shape (n,)
    """
    import torch

    t = _tensor(x, "feature rows")
    n = len(t)
    if not 1 <= k < n:
        raise DataValidationError(f"the k-nearest-neighbour radius needs k (= {k}) between 1 and the number of rows "
                                  f"minus one ({n - 1}); give more rows or a smaller k")
    radii = np.empty(n)
    step = max(1, max_block_elements // n)
    for start in range(0, n, step):
        d = torch.cdist(t[start:start + step], t)
        rows = torch.arange(d.shape[0])
        d[rows, rows + start] = float("inf")  # a row is not its own neighbour (its copies are)
        radii[start:start + d.shape[0]] = torch.topk(d, k, dim=1, largest=False).values[:, -1].numpy()
    return radii


def prdc(real: np.ndarray, synthetic: np.ndarray, *, k: int = NEAREST_K,
         max_block_elements: int = MAX_BLOCK_ELEMENTS) -> dict[str, Any]:
    """Precision, recall, density and coverage (see the module docstring).

    Parameters
    ----------
    real, synthetic : ndarray of shape (n, d) and (m, d)
        Feature rows of the real and the synthetic images.
    k : int, default=5
        Neighbour rank of the ball radii.
    max_block_elements : int, default=8,000,000
        Largest real x synthetic distance block held at once (float64: 64 MB).

    Returns
    -------
    dict
        ``precision``, ``recall``, ``density``, ``coverage`` (floats), ``k``, ``n_real``,
        ``n_synthetic``.
    """
    import torch

    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ConfigError(f"k must be a positive integer, got {k!r}")
    r, s = _tensor(real, "real features"), _tensor(synthetic, "synthetic features")
    if r.shape[1] != s.shape[1]:
        raise DataValidationError(f"real and synthetic feature rows differ in width: {r.shape[1]} vs {s.shape[1]}")
    real_radii = torch.from_numpy(kth_neighbour_radii(real, k, max_block_elements=max_block_elements))
    synth_radii = torch.from_numpy(kth_neighbour_radii(synthetic, k, max_block_elements=max_block_elements))
    inside_any_real = torch.zeros(len(s), dtype=torch.bool)  # precision
    balls_holding = torch.zeros(len(s), dtype=torch.float64)  # density
    real_in_synth_ball = torch.zeros(len(r), dtype=torch.bool)  # recall
    nearest_synth = torch.full((len(r),), float("inf"), dtype=torch.float64)  # coverage
    step = max(1, max_block_elements // len(r))
    for start in range(0, len(s), step):
        d = torch.cdist(r, s[start:start + step])  # (n_real, block)
        in_real = d < real_radii[:, None]
        inside_any_real[start:start + d.shape[1]] = in_real.any(dim=0)
        balls_holding[start:start + d.shape[1]] = in_real.sum(dim=0, dtype=torch.float64)
        real_in_synth_ball |= (d < synth_radii[start:start + d.shape[1]][None, :]).any(dim=1)
        nearest_synth = torch.minimum(nearest_synth, d.min(dim=1).values)
    return {"precision": float(inside_any_real.double().mean()), "recall": float(real_in_synth_ball.double().mean()),
            "density": float(balls_holding.sum() / (k * len(s))),
            "coverage": float((nearest_synth < real_radii).double().mean()),
            "k": int(k), "n_real": int(len(r)), "n_synthetic": int(len(s))}


def coverage(real: np.ndarray, synthetic: np.ndarray, *, k: int = NEAREST_K,
             max_block_elements: int = MAX_BLOCK_ELEMENTS) -> float:
    """Coverage alone: share of real rows whose ``k``-NN ball (among real rows) holds a synthetic row.

    Needs only the real radii, so a handful of synthetic rows (even none: coverage 0) is fine.
    """
    import torch

    r = _tensor(real, "real features")
    if len(synthetic) == 0:
        return 0.0
    s = _tensor(synthetic, "synthetic features")
    radii = torch.from_numpy(kth_neighbour_radii(real, k, max_block_elements=max_block_elements))
    nearest_synth = torch.full((len(r),), float("inf"), dtype=torch.float64)
    step = max(1, max_block_elements // len(r))
    for start in range(0, len(s), step):
        nearest_synth = torch.minimum(nearest_synth, torch.cdist(r, s[start:start + step]).min(dim=1).values)
    return float((nearest_synth < radii).double().mean())
