"""The validation signal for early stopping: held-out real rows and a fast fidelity score against them.

The score is the mean of the evaluation suite's two fast metrics,
:func:`~synthgan.evaluation.column_shapes` and
:func:`~synthgan.evaluation.column_pair_trends`, between a decoded sample of the
current generator and real rows the model never trained on. The sample is drawn
with the same seed at every evaluation (common random numbers), so differences
between epochs come from the weights, not from sampling noise.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from synthgan._random import child_seed, numpy_rng, torch_generator
from synthgan.errors import DataValidationError

HOLDOUT_FRACTION = 0.1
HOLDOUT_MAX_ROWS = 5_000
MIN_TRAIN_ROWS = 50
VALIDATION_ROWS = 2_000


def holdout_split(n_rows: int, seed: int | None, *, fraction: float = HOLDOUT_FRACTION,
                  max_rows: int = HOLDOUT_MAX_ROWS, groups: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """Sorted row indices ``(train, holdout)``: about ``fraction`` of the rows (at most ``max_rows``) held out.

    Small tables keep at least ``MIN_TRAIN_ROWS`` rows for training and hold out at
    least one row. Without ``groups`` the split depends only on ``n_rows`` and
    ``seed``.

    Parameters
    ----------
    n_rows : int
        Rows of the table.
    seed : int or None
        Seed of the split; the same seed gives the same split.
    fraction : float, default=0.1
        Share of the rows to hold out.
    max_rows : int, default=5000
        Most rows held out.
    groups : array-like of shape (n_rows,), optional
        Entity of each row (the schema's ``"entity"`` column; missing values form
        one entity). Whole entities are held out, so no entity has rows on both
        sides: entities are drawn in a random order and the first ones whose rows
        come closest to the target size are held out, leaving at least one entity
        to train on.

    Returns
    -------
    train, holdout : numpy.ndarray
        Sorted int64 row indices, disjoint, together ``arange(n_rows)``.

    Raises
    ------
    DataValidationError
        ``groups`` has the wrong length or a single entity.
    """
    size = int(min(round(n_rows * fraction), max_rows, max(n_rows - MIN_TRAIN_ROWS, 1)))
    size = max(size, 1)
    if groups is not None:
        return _split_by_group(groups, n_rows, size, numpy_rng(seed, "holdout", "entity"))
    chosen = numpy_rng(seed, "holdout").permutation(n_rows)
    return np.sort(chosen[size:]), np.sort(chosen[:size])


def _split_by_group(groups: Any, n_rows: int, size: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Whole groups held out, their rows as close to ``size`` as a prefix of a random order of the groups allows."""
    values = groups if isinstance(groups, pd.Series) else pd.Series(np.asarray(groups))
    if len(values) != n_rows:
        raise DataValidationError(
            f"The entity column has {len(values)} values for {n_rows} rows; pass one entity value per row."
        )
    codes, uniques = pd.factorize(values)
    codes = np.where(codes < 0, len(uniques), codes)  # missing values (None, NaN, NaT alike): one entity
    counts = np.bincount(codes)
    n_groups = int(np.count_nonzero(counts))
    if n_groups < 2:
        raise DataValidationError(
            "The validation hold-out keeps each entity's rows together, but the table has a single entity; "
            "add rows of other entities, or turn validation off (no patience, max_time or validation_every)."
        )
    order = rng.permutation(np.flatnonzero(counts))
    held_rows = np.cumsum(counts[order])[:-1]  # at least one entity trains
    n_held = int(np.argmin(np.abs(held_rows - size))) + 1
    held = np.zeros(len(counts), dtype=bool)
    if abs(held_rows[n_held - 1] - size) <= size:
        held[order[:n_held]] = True
    else:  # the first entity alone is over twice the target (few, large entities): the one closest in size
        held[order[np.argmin(np.abs(counts[order] - size))]] = True
    mask = held[codes]
    return np.flatnonzero(~mask), np.flatnonzero(mask)


class FidelityScore:
    """``score(model)``: mean of column shapes and pair trends of decoded preview rows vs held-out rows.

    Parameters
    ----------
    encoder : TableEncoder
        Fitted encoder that decodes the model's rows.
    holdout : DataFrame
        Real rows kept out of training (subsampled to ``rows``).
    seed : int or None
        Seeds the preview sample and the decoding; the same at every evaluation.
    rows : int, default=2000
        Rows sampled per evaluation.
    """

    def __init__(self, encoder: Any, holdout: pd.DataFrame, seed: int | None, rows: int = VALIDATION_ROWS) -> None:
        from synthgan.evaluation import infer_kinds

        if len(holdout) > rows:
            keep = np.sort(numpy_rng(seed, "holdout-subsample").choice(len(holdout), rows, replace=False))
            holdout = holdout.iloc[keep].reset_index(drop=True)
        self.encoder = encoder
        self.holdout = holdout
        self.rows = rows
        self.kinds = infer_kinds(holdout)
        self._seed = child_seed(seed, "validation")

    def __call__(self, model: Any) -> float:
        from synthgan.evaluation import column_pair_trends, column_shapes

        gen = torch_generator(self._seed, "preview", device=model._device.type)  # a NeuralModel during fit
        one_hot = model.capabilities.one_hot_samples
        synthetic = self.encoder.inverse_transform(model.preview(self.rows, gen), seed=self._seed, one_hot=one_hot)
        shapes = column_shapes(self.holdout, synthetic, kinds=self.kinds)
        trends = column_pair_trends(self.holdout, synthetic, kinds=self.kinds)
        return float(np.nanmean([shapes, trends]))
