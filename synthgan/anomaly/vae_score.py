"""Detector ``vae``: the tabular VAE's negative evidence lower bound, per row and per column, with the column tails.

A row the VAE explains badly has a low ELBO. At the posterior mean (no sampling, so a
row always gets the same score) the negative ELBO splits into the Gaussian NLL of each
value column and the cross-entropy of each softmax span (mode or category), which
belong to table columns, plus the KL term, which belongs to the row. Value columns are
scored against their unclipped values (:class:`~synthgan.anomaly.encoding.ScoringRows`),
so a value far beyond the training range costs what its distance costs.

The score adds tail surprises ``-log P(S >= s)`` among the rows the VAE was fitted on
(:func:`~synthgan.anomaly.threshold.tail_surprise`), as Fisher's method adds ``-log p``:

* the negative ELBO's (the VAE's view of the whole row);
* the column tails' (:mod:`synthgan.anomaly.marginal`: how rare each cell is in its
  column, summed over the row). The VAE ranks rows by how their columns go together,
  the tails by how extreme each column is; on the ODDS tables (``bench/anomaly_bench.py``,
  5 seeds, fit on normal rows) the sum took the mean ROC AUC over the four tables from
  0.940 (ELBO alone) to 0.964, and it steadied the VAE's seed-to-seed swings (thyroid:
  0.92-0.98 alone, 0.98-1.00 with the tails);
* after a trimmed fit (training rows that hold anomalies, ``AnomalyDetector(trim=...)``),
  the KL term's: a VAE that still saw a few anomalies codes them far out.

Trimming ranks the training rows by their column tails (:meth:`VAEScorer.trim_ranks`),
before any VAE is fitted: a VAE fitted on rows that hold a cluster of anomalies learns
to reconstruct it, so its ELBO cannot rank them, while the tails need no model. On the
ODDS tables (fit on all training rows, anomalies included) the tails left out 73-99 %
of the training anomalies, against 47-95 % for the KL term of a first VAE, which took
shuttle from 0.86 to 0.997 and the mean ROC AUC over the four tables from 0.911 (seed 0;
ranked by KL) to 0.956 (5 seeds), with one VAE fit instead of two.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import torch

from synthgan.anomaly.encoding import ScoringRows
from synthgan.anomaly.scorer import TAILS, Scorer, batched
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

    @classmethod
    def trim_ranks(cls, encoded: ScoringRows) -> np.ndarray | None:
        """The rows' summed column tails: no VAE is fitted on the rows that hold the anomalies (see the module docstring)."""
        return None if encoded.tails is None else encoded.tails.sum(axis=1)

    def _references(self, encoded: ScoringRows) -> dict[str, np.ndarray]:
        columns, kl = self.terms(encoded)
        references = {"elbo": training_distribution(columns.sum(axis=1) + kl), "kl": training_distribution(kl)}
        if encoded.tails is not None:
            references[TAILS] = training_distribution(encoded.tails.sum(axis=1))
        return references

    def combine(self, column_terms: np.ndarray, row_term: np.ndarray, tails: np.ndarray | None = None) -> np.ndarray:
        """Tail surprises (nats) of the negative ELBO and the column tails, plus the KL term's after a trimmed fit."""
        elbo = column_terms.sum(axis=1) + row_term
        surprise = tail_surprise(self.references["elbo"], elbo) + self.tails_evidence(tails)
        if self.calibration.get("kl_evidence", 0.0) > 0:
            surprise = surprise + self.calibration["kl_evidence"] * tail_surprise(self.references["kl"], row_term)
        return surprise
