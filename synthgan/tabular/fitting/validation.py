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

HOLDOUT_FRACTION = 0.1
HOLDOUT_MAX_ROWS = 5_000
MIN_TRAIN_ROWS = 50
VALIDATION_ROWS = 2_000


def holdout_split(n_rows: int, seed: int | None, *, fraction: float = HOLDOUT_FRACTION,
                  max_rows: int = HOLDOUT_MAX_ROWS) -> tuple[np.ndarray, np.ndarray]:
    """Sorted row indices ``(train, holdout)``: ``fraction`` of the rows (at most ``max_rows``) held out.

    Small tables keep at least ``MIN_TRAIN_ROWS`` rows for training and hold out at
    least one row. The split depends only on ``n_rows`` and ``seed``.
    """
    size = int(min(round(n_rows * fraction), max_rows, max(n_rows - MIN_TRAIN_ROWS, 1)))
    size = max(size, 1)
    chosen = numpy_rng(seed, "holdout").permutation(n_rows)
    return np.sort(chosen[size:]), np.sort(chosen[:size])


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

        gen = torch_generator(self._seed, "preview", device=model._device.type)  # a TorchModel during fit
        one_hot = model.capabilities.one_hot_samples
        synthetic = self.encoder.inverse_transform(model.preview(self.rows, gen), seed=self._seed, one_hot=one_hot)
        shapes = column_shapes(self.holdout, synthetic, kinds=self.kinds)
        trends = column_pair_trends(self.holdout, synthetic, kinds=self.kinds)
        return float(np.nanmean([shapes, trends]))
