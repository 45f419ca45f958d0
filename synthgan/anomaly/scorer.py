"""The base of the detectors: fit a synthgan model on encoded rows, then score rows per column.

See :mod:`synthgan.anomaly.detectors` for the detectors by name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np
import torch

from synthgan._random import child_seed
from synthgan.anomaly.encoding import RowEncoder, ScoringRows
from synthgan.anomaly.threshold import tail_surprise
from synthgan.core.neural import NeuralModel
from synthgan.errors import ConfigError

SCORE_CHUNK_ROWS = 65_536  # rows per forward pass while scoring
TAILS = "tails"  # the reference (sorted training sums) of the rows' column tails, see Scorer.tails_evidence


def batched(fn: Callable[..., tuple[torch.Tensor, ...]], arrays: tuple[np.ndarray, ...], device: torch.device,
            grad: bool = False) -> tuple[np.ndarray, ...]:
    """``fn`` over row chunks of ``arrays`` (at least one row), as device tensors; outputs joined as float64 arrays."""
    parts: list[tuple[np.ndarray, ...]] = []
    for start in range(0, arrays[0].shape[0], SCORE_CHUNK_ROWS):
        chunk = tuple(torch.as_tensor(a[start : start + SCORE_CHUNK_ROWS], device=device) for a in arrays)
        with torch.set_grad_enabled(grad):
            out = fn(*chunk)
        parts.append(tuple(o.detach().cpu().numpy().astype(np.float64) for o in out))
    return tuple(np.concatenate(p, axis=0) for p in zip(*parts))


class Scorer:
    """Base of the detectors: fit the model, then score encoded rows per column.

    Subclasses set ``name``, ``model_class`` (a NeuralModel subclass that keeps the
    networks scoring needs) and ``defaults`` (its parameters for detection), and
    implement :meth:`_terms`.

    Parameters
    ----------
    rows : RowEncoder
        The fitted encoder of the detector.
    model : NeuralModel
        The fitted model.
    calibration : dict of str to float, optional
        Numbers learned from the training scores (e.g. the critic's centre and scale).
    references : dict of str to ndarray, optional
        Sorted training distributions of score components (see :meth:`combine`).
    """

    name: ClassVar[str]
    model_class: ClassVar[type[NeuralModel]]
    defaults: ClassVar[dict[str, Any]] = {}

    def __init__(self, rows: RowEncoder, model: NeuralModel, calibration: dict[str, float] | None = None,
                 references: dict[str, np.ndarray] | None = None) -> None:
        self.rows = rows
        self.model = model
        self.calibration = dict(calibration or {})
        self.references = dict(references or {})

    @classmethod
    def fit(cls, rows: RowEncoder, encoded: ScoringRows, *, seed: int, epochs: int | None, device: str,
            params: dict[str, Any], callbacks: list | None = None, trimmed: bool = False) -> "Scorer":
        """Train the detector's model on ``encoded`` rows; returns the fitted scorer.

        ``trimmed``: the rows are what was left after the most anomalous were left out
        (the training rows may hold anomalies); detectors may score differently then.
        """
        config = {**cls.defaults, **params, "epochs": epochs, "device": device}
        try:
            model = cls.model_class(**config)
        except TypeError as exc:
            raise ConfigError(f"anomaly detector {cls.name!r}: {exc}; see help(synthgan.anomaly.AnomalyDetector)") from exc
        model.fit(encoded.x, rows.layout_, seed=child_seed(seed, "model"), callbacks=callbacks)
        scorer = cls(rows, model)
        scorer.calibration = {**scorer._calibrate(encoded), **({"kl_evidence": 1.0} if trimmed else {})}
        scorer.references = scorer._references(encoded)
        return scorer

    def _calibrate(self, encoded: ScoringRows) -> dict[str, float]:
        """Numbers learned from the rows the model was fitted on, after training (default: none)."""
        return {}

    def _references(self, encoded: ScoringRows) -> dict[str, np.ndarray]:
        """Distributions learned from the rows the model was fitted on, for :meth:`combine` (default: none)."""
        return {}

    def combine(self, column_terms: np.ndarray, row_term: np.ndarray, tails: np.ndarray | None = None) -> np.ndarray:
        """Each row's anomaly score from its terms (default: their sum).

        ``tails`` are the rows' per-column tail surprises (:attr:`ScoringRows.tails`);
        detectors that weigh them (``vae``) read them, the others ignore them.
        """
        return column_terms.sum(axis=1) + row_term

    def tails_evidence(self, tails: np.ndarray | None) -> np.ndarray | float:
        """The tail surprise of the rows' summed column tails among the training rows' (0 without them).

        In nats, so it adds to other tail surprises as Fisher's method adds ``-log p``:
        a row rare in its columns *and* to the model scores higher than one rare in one way.
        """
        reference = self.references.get(TAILS)
        if tails is None or reference is None:  # a detector read from a file that predates the tails
            return 0.0
        return tail_surprise(reference, tails.sum(axis=1))

    @property
    def device(self) -> torch.device:
        return self.model._device

    def terms(self, encoded: ScoringRows) -> tuple[np.ndarray, np.ndarray]:
        """``(column_terms, row_term)``: per-column terms ``(rows, columns)`` and the rest ``(rows,)``.

        :meth:`combine` makes them a row's score; novelty nats are included in the column terms.
        """
        columns, row = self._terms(encoded)
        return columns + encoded.novelty, row

    def _terms(self, encoded: ScoringRows) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    @classmethod
    def trim_ranks(cls, encoded: ScoringRows) -> np.ndarray | None:
        """How the training rows are ranked, before any model is fitted, to leave the most anomalous out of the fit.

        Default ``None``: fit the model on every row first and rank by :meth:`trim_scores`.
        """
        return None

    def trim_scores(self, encoded: ScoringRows, column_terms: np.ndarray, row_term: np.ndarray) -> np.ndarray:
        """How a model fitted on every training row ranks them to leave the most anomalous out of a second fit.

        Used when :meth:`trim_ranks` gives ``None``; default: the score.
        """
        return self.combine(column_terms, row_term, encoded.tails)

    def attributions(self, encoded: ScoringRows, column_terms: np.ndarray, baseline: np.ndarray) -> np.ndarray:
        """How much each column drives each row's score, ``(rows, columns)``, >= 0.

        Default: the column's term above its median over the training rows (``baseline``),
        plus, when the score weighs the column tails, the cell's tail surprise above
        ``log 2`` (what a column's median value costs), so a column the row is extreme
        in is named even where the model reconstructs it well.
        """
        out = np.maximum(column_terms - baseline, 0.0)
        if encoded.tails is not None and TAILS in self.references:
            out = out + np.maximum(encoded.tails - np.log(2.0), 0.0)
        return out
