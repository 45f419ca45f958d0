"""Detector ``vae``: the tabular VAE's negative evidence lower bound, per row and per column.

A row the VAE explains badly has a low ELBO. At the posterior mean (no sampling, so a
row always gets the same score) the negative ELBO splits into the Gaussian NLL of each
value column and the cross-entropy of each softmax span (mode or category), which
belong to table columns, plus the KL term, which belongs to the row. Value columns are
scored against their unclipped values (:class:`~synthgan.anomaly.encoding.ScoringRows`),
so a value far beyond the training range costs what its distance costs.

The score is the negative ELBO's tail surprise ``-log P(S >= s)`` among the rows the VAE
was fitted on (:func:`~synthgan.anomaly.threshold.tail_surprise`: the same ranking as the
ELBO, on a scale that is comparable between detectors). After a trimmed fit (training rows
that held anomalies, see ``AnomalyDetector(trim=...)``) the KL term's tail surprise is
added (Fisher's method): a VAE fitted on rows that hold a cluster of anomalies learns to
reconstruct it, but codes it far out, so on the ODDS tables the KL term ranked anomalies
well where the ELBO did not, and the sum beat both; on clean rows it only added noise
(``bench/anomaly_bench.py``).
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import torch

from synthgan.anomaly.encoding import ScoringRows
from synthgan.anomaly.scorer import Scorer, batched
from synthgan.anomaly.threshold import tail_surprise, training_distribution
from synthgan.tabular.models.tvae import TVAE


class ScoringTVAE(TVAE):
    """:class:`~synthgan.tabular.models.tvae.TVAE` that keeps its encoder after training (and in its files).

    Parameters are TVAE's; it is not in the model registry (the anomaly pipeline
    rebuilds it from its own files).
    """

    name: ClassVar[str] = "anomaly-vae"

    def _sampling_networks(self) -> tuple[str, ...]:
        return ("encoder", "decoder")

    def _finish_training(self) -> None:
        """Keep the encoder: scoring needs the posterior."""


class VAEScorer(Scorer):
    """Negative ELBO of the tabular VAE (see the module docstring)."""

    name: ClassVar[str] = "vae"
    model_class: ClassVar[type] = ScoringTVAE
    # Measured on the ODDS tables (bench/anomaly_bench.py): the plain ELBO (loss_factor 1, not TVAE's 2) and a
    # narrow code (16, not 128) rank anomalies best; more modes, smaller batches or a smaller net did not help.
    defaults: ClassVar[dict[str, Any]] = {"embedding_dim": 16, "loss_factor": 1.0}

    def _terms(self, encoded: ScoringRows) -> tuple[np.ndarray, np.ndarray]:
        model = self.model

        def fn(x: torch.Tensor, target: torch.Tensor) -> tuple[torch.Tensor, ...]:
            return model.row_terms(x, target)

        gaussian, categorical, kl = batched(fn, (encoded.x, encoded.target), self.device)
        columns = self.rows.to_columns(gaussian, "value") + self.rows.to_columns(categorical, "span")
        return columns, kl

    def trim_scores(self, encoded: ScoringRows, column_terms: np.ndarray, row_term: np.ndarray) -> np.ndarray:
        """The KL term: a VAE fitted on rows that hold anomalies learns to reconstruct them, but codes them far out."""
        return row_term

    def _references(self, encoded: ScoringRows) -> dict[str, np.ndarray]:
        columns, kl = self.terms(encoded)
        return {"elbo": training_distribution(columns.sum(axis=1) + kl), "kl": training_distribution(kl)}

    def combine(self, column_terms: np.ndarray, row_term: np.ndarray) -> np.ndarray:
        """Tail surprise of the negative ELBO, plus that of the KL term after a trimmed fit (nats)."""
        elbo = column_terms.sum(axis=1) + row_term
        surprise = tail_surprise(self.references["elbo"], elbo)
        if self.calibration.get("kl_evidence", 0.0) > 0:
            surprise = surprise + self.calibration["kl_evidence"] * tail_surprise(self.references["kl"], row_term)
        return surprise
