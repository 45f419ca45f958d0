"""Small encoded tables with known structure, for tests and benchmarks without the encoder.

Every row belongs to a hidden cluster; categorical columns follow the cluster
(mostly category ``cluster % width``), numeric values sit near a cluster-specific
mean, so a model that learns anything shows it in its samples.
"""

from __future__ import annotations

import numpy as np

from synthgan.tabular.layout import Layout, Span


def synthetic_encoded(
    n_rows: int = 600,
    *,
    n_numeric: int = 2,
    category_widths: tuple[int, ...] = (3, 4),
    n_modes: int = 3,
    seed: int = 0,
    noise: float = 0.1,
) -> tuple[np.ndarray, Layout]:
    """A ``"mode_specific"`` matrix and layout: numeric value+component spans, then category spans."""
    rng = np.random.default_rng(seed)
    n_clusters = max(category_widths + (n_modes,))
    cluster = rng.integers(0, n_clusters, n_rows)
    spans, blocks, start = [], [], 0
    for i in range(n_numeric):
        mode = (cluster + i) % n_modes
        value = np.clip(np.tanh(0.6 * (mode - 1) + rng.normal(0.0, 0.2, n_rows)), -1, 1)
        spans.append(Span(f"num{i}", start, start + 1, "tanh", "value"))
        spans.append(Span(f"num{i}", start + 1, start + 1 + n_modes, "softmax", "component", n_modes))
        blocks += [value[:, None], np.eye(n_modes)[mode]]
        start += 1 + n_modes
    condition = []
    for i, width in enumerate(category_widths):
        flip = rng.random(n_rows) < noise
        code = np.where(flip, rng.integers(0, width, n_rows), cluster % width)
        condition.append(len(spans))
        spans.append(Span(f"cat{i}", start, start + width, "softmax", "category", width))
        blocks.append(np.eye(width)[code])
        start += width
    data = np.concatenate(blocks, axis=1).astype(np.float32)
    return data, Layout(tuple(spans), tuple(condition), "mode_specific")


def synthetic_ordinal(n_rows: int = 600, *, seed: int = 0, missing: float = 0.1) -> tuple[np.ndarray, Layout]:
    """An ``"ordinal"`` matrix: two correlated numerics (one with a point mass and NaNs), two categoricals, a constant."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=n_rows)
    x0 = 3.0 * z + rng.normal(0.0, 0.5, n_rows) + 10.0
    x1 = np.where(rng.random(n_rows) < 0.3, 0.0, np.exp(z + rng.normal(0.0, 0.3, n_rows)))
    x1[rng.random(n_rows) < missing] = np.nan
    c0 = np.digitize(z, [-0.5, 0.5]).astype(float)  # 3 ordered codes following z
    c1 = rng.integers(0, 4, n_rows).astype(float)
    c1[rng.random(n_rows) < missing] = np.nan
    const = np.full(n_rows, 7.0)
    data = np.stack([x0, x1, c0, c1, const], axis=1).astype(np.float32)
    cats = {"c0": 3, "c1": 4}
    names = ["x0", "x1", "c0", "c1", "const"]
    spans = tuple(Span(name, i, i + 1, "identity", "ordinal", cats.get(name, 0)) for i, name in enumerate(names))
    return data, Layout(spans, (), "ordinal")


def synthetic_binned(n_rows: int = 600, *, seed: int = 0, n_bins: int = 5, sub_bins: int = 4,
                     category_widths: tuple[int, ...] = (3, 4)) -> tuple[np.ndarray, Layout]:
    """A ``"binned"`` matrix (every span a softmax): a number as bin + position, then categories, all following a cluster."""
    rng = np.random.default_rng(seed)
    cluster = rng.integers(0, max(category_widths + (n_bins,)), n_rows)
    bins = np.clip(cluster % n_bins + rng.integers(-1, 2, n_rows) * (rng.random(n_rows) < 0.1), 0, n_bins - 1)
    position = rng.integers(0, sub_bins, n_rows)
    spans = [Span("num0", 0, n_bins, "softmax", "component", n_bins),
             Span("num0", n_bins, n_bins + sub_bins, "softmax", "component", sub_bins)]
    blocks, start, condition = [np.eye(n_bins)[bins], np.eye(sub_bins)[position]], n_bins + sub_bins, []
    for i, width in enumerate(category_widths):
        code = np.where(rng.random(n_rows) < 0.1, rng.integers(0, width, n_rows), cluster % width)
        condition.append(len(spans))
        spans.append(Span(f"cat{i}", start, start + width, "softmax", "category", width))
        blocks.append(np.eye(width)[code])
        start += width
    return np.concatenate(blocks, axis=1).astype(np.float32), Layout(tuple(spans), tuple(condition), "binned")
