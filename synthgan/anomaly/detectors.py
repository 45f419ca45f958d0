"""The detectors: how each one turns what a synthgan model learned into anomaly scores, by name.

A detector (a :class:`~synthgan.anomaly.scorer.Scorer`) owns one fitted neural model over the rows of a
:class:`~synthgan.anomaly.encoding.RowEncoder` and returns, for encoded rows, per-column
terms and a per-row term whose sum is the row's anomaly score (higher = more
anomalous). The built-in ones:

``vae``
    The tabular VAE's negative ELBO at the posterior mean: Gaussian NLL of every value
    column, cross-entropy of every softmax span (both per column) plus the KL term,
    joined with how rare each cell is in its column (the column tails of
    :mod:`synthgan.anomaly.marginal`), which also rank the rows left out of a trimmed fit.
``alad``
    An adversarially trained autoencoder (ALAD/GANomaly style): per-column
    reconstruction error plus the L1 distance between the critic's features of the row
    and of its reconstruction.
``critic``
    The critic of a WGAN-GP trained on the rows (one row per critic input): minus its
    score, standardised on the training rows; columns by gradient x (row - mean).

Every detector adds the encoder's novelty nats (unseen levels, unseen missing cells).
Only ``vae`` weighs the column tails (measured there; the others' scores are not
calibrated surprises to add them to).
This module only names them (no torch import, so the CLI's help stays fast).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from synthgan.errors import ConfigError

if TYPE_CHECKING:
    from synthgan.anomaly.scorer import Scorer

#: name -> (module, class, one line for help texts)
DETECTORS: dict[str, tuple[str, str, str]] = {
    "vae": ("synthgan.anomaly.vae_score", "VAEScorer", "tabular VAE: negative ELBO per row (reconstruction NLL + KL) with per-column tails"),
    "alad": ("synthgan.anomaly.alad", "AdversarialAEScorer", "adversarial autoencoder: reconstruction + critic feature-matching error"),
    "critic": ("synthgan.anomaly.critic", "CriticScorer", "WGAN-GP critic: minus the critic's score of the row"),
}
#: the detector ``AnomalyDetector()`` uses (chosen by bench/anomaly_bench.py; see docs of the anomaly package)
DEFAULT_DETECTOR = "vae"


def detector_names() -> list[str]:
    """Names accepted by ``AnomalyDetector(model=...)``."""
    return list(DETECTORS)


def detector_class(name: str) -> type[Scorer]:
    """The :class:`Scorer` class of detector ``name`` (ConfigError listing the names if unknown)."""
    if not isinstance(name, str) or name not in DETECTORS:
        raise ConfigError(f"unknown anomaly detector {name!r}; choose one of: {', '.join(DETECTORS)}")
    module, cls, _ = DETECTORS[name]
    return getattr(importlib.import_module(module), cls)
