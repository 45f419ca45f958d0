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
from synthgan.core.neural import NeuralModel
from synthgan.errors import ConfigError

SCORE_CHUNK_ROWS = 65_536  # rows per forward pass while scoring


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

    def combine(self, column_terms: np.ndarray, row_term: np.ndarray) -> np.ndarray:
        """Each row's anomaly score from its terms (default: their sum)."""
        return column_terms.sum(axis=1) + row_term

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

    def trim_scores(self, encoded: ScoringRows, column_terms: np.ndarray, row_term: np.ndarray) -> np.ndarray:
        """How the training rows are ranked to leave the most anomalous out of a second fit (default: the score)."""
        return column_terms.sum(axis=1) + row_term

    def attributions(self, encoded: ScoringRows, column_terms: np.ndarray, baseline: np.ndarray) -> np.ndarray:
        """How much each column drives each row's score, ``(rows, columns)``, >= 0.

        Default: the column's term above its median over the training rows (``baseline``).
        """
        return np.maximum(column_terms - baseline, 0.0)
