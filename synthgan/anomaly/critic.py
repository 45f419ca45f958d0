"""Detector ``critic``: the critic of a WGAN-GP trained on the rows scores how real each row looks.

The critic of :class:`~synthgan.tabular.models.gan.WGANGP` (one row per critic input,
``pac=1``) is trained to score real rows above generated ones; at the end of training
its score is low where the data has little mass. The anomaly score is minus the score,
centred on the training rows' median and divided by their interquartile range, plus a
Gaussian penalty (scale 0.1 in the encoder's normalised units) for values beyond their
mode's training range, which the critic cannot see. A row's columns are ranked by
gradient x input: how much each column's encoded cells move the critic's score.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import torch

from synthgan.anomaly.scorer import Scorer, batched
from synthgan.anomaly.encoding import ScoringRows
from synthgan.tabular.models.gan import WGANGP

RANGE_SCALE = 0.1  # normalised units: the width of the penalty for values beyond the training range


class CriticGAN(WGANGP):
    """:class:`~synthgan.tabular.models.gan.WGANGP` that keeps its critic after training (and in its files).

    Parameters are WGANGP's; it is not in the model registry (the anomaly pipeline
    rebuilds it from its own files).
    """

    name: ClassVar[str] = "anomaly-critic"

    def _sampling_networks(self) -> tuple[str, ...]:
        return ("generator", "critic")

    def _finish_training(self) -> None:
        critic = self.networks_["critic"]
        super()._finish_training()
        self.networks_["critic"] = critic


class CriticScorer(Scorer):
    """Minus the WGAN-GP critic's score (see the module docstring)."""

    name: ClassVar[str] = "critic"
    model_class: ClassVar[type] = CriticGAN
    defaults: ClassVar[dict[str, Any]] = {"pac": 1}

    def _raw(self, encoded: ScoringRows) -> np.ndarray:
        critic = self.model.networks_["critic"]
        (scores,) = batched(lambda x: (-critic(x).reshape(-1),), (encoded.x,), self.device)
        return scores

    def _calibrate(self, encoded: ScoringRows) -> dict[str, float]:
        low, centre, high = np.quantile(self._raw(encoded), [0.25, 0.5, 0.75])
        return {"centre": float(centre), "scale": float(max(high - low, 1e-12))}

    def _range_terms(self, encoded: ScoringRows) -> np.ndarray:
        cols = self.rows.value_cols_
        beyond = encoded.target[:, cols].astype(np.float64) - encoded.x[:, cols]
        return self.rows.to_columns(beyond**2 / (2 * RANGE_SCALE**2), "value")

    def _terms(self, encoded: ScoringRows) -> tuple[np.ndarray, np.ndarray]:
        row = (self._raw(encoded) - self.calibration["centre"]) / self.calibration["scale"]
        return self._range_terms(encoded), row

    def attributions(self, encoded: ScoringRows, column_terms: np.ndarray, baseline: np.ndarray) -> np.ndarray:
        critic = self.model.networks_["critic"]

        def fn(x: torch.Tensor) -> tuple[torch.Tensor]:
            x = x.clone().requires_grad_(True)
            (grad,) = torch.autograd.grad(critic(x).sum(), x)
            return ((grad * x).abs(),)

        (cells,) = batched(fn, (encoded.x,), self.device, grad=True)
        per_value = cells[:, self.rows.value_cols_]
        per_span = cells @ self.rows.span_cells_
        return (self.rows.to_columns(per_value, "value") + self.rows.to_columns(per_span, "span")
                + np.maximum(column_terms, 0.0))
