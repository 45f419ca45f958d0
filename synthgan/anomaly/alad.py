"""Detector ``alad``: an adversarially trained autoencoder scores rows by reconstruction and feature matching.

In the spirit of ALAD (Zenati et al., 2018) and GANomaly (Akcay et al., 2018): an
autoencoder (encoder -> narrow code -> decoder) is the GAN's generator, trained to
reconstruct each row (cross-entropy of every softmax span, Gaussian error of every
value) while a critic learns to tell rows from their reconstructions, which pushes
reconstructions onto the data. The GAN step is the shared
:func:`~synthgan.core.adversarial.adversarial_step` (original GAN loss; the reconstruction
is its extra generator loss). A row's score is its reconstruction error, per column,
plus the L1 distance between the critic's last hidden features of the row and of its
reconstruction, divided by that distance's median over the training rows.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import torch
from torch import nn

from synthgan.anomaly.scorer import Scorer, batched
from synthgan.anomaly.encoding import ScoringRows
from synthgan.core import params as P
from synthgan.core.adversarial import AdversarialLoss, adversarial_step
from synthgan.core.batches import Batch, ShuffledBatches
from synthgan.core.budget import Budget
from synthgan.core.layers import MLP, PacCritic, seeded_linear
from synthgan.core.model import Capabilities
from synthgan.core.trainer import OptimizerSpec, TrainingContext
from synthgan.errors import ConfigError
from synthgan.tabular.layout import Layout
from synthgan.tabular.models.neural import TableNeuralModel
from synthgan.tabular.models.spans import SpanOps

VALUE_SCALE = 0.1  # the Gaussian error of value columns is (error / 0.1)^2 / 2 nats


class Autoencoder(nn.Module):
    """Row -> MLP -> code -> MLP -> raw outputs for every encoded column."""

    def __init__(self, width: int, hidden: tuple[int, ...], latent: int, generator: torch.Generator) -> None:
        super().__init__()
        self.encoder = MLP(width, hidden, generator)
        self.code = seeded_linear(self.encoder.out_features, latent, generator)
        self.decoder = MLP(latent, hidden[::-1], generator)
        self.out = seeded_linear(self.decoder.out_features, width, generator)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(self.decoder(self.code(self.encoder(x))))


class RowBatches(ShuffledBatches):
    """Shuffled batches whose generator steps also read rows (the generator reconstructs them)."""

    def condition_batch(self, generator: torch.Generator) -> Batch:
        return self.real_batch(generator)


def critic_features(critic: PacCritic, x: torch.Tensor) -> torch.Tensor:
    """The critic's last hidden layer (eval mode: LeakyReLU(0.2), no dropout)."""
    h = x.reshape(-1, critic.packed_width)
    for layer in critic.hidden:
        h = torch.nn.functional.leaky_relu(layer(h), 0.2)
    return h


class AdversarialAutoencoder(TableNeuralModel):
    """Autoencoder trained as the generator of a GAN whose critic compares rows with reconstructions.

    Parameters
    ----------
    epochs : int, optional
        ``None`` picks about ``max(3000, 0.12 x rows)`` steps' worth (at most 8000).
    batch_size : int, default=500
    latent_dim : int, default=16
        Width of the code.
    hidden_dims : sequence of int, default=(128, 128)
        Encoder widths (the decoder mirrors them).
    critic_dims : sequence of int, default=(128, 128)
    lr, critic_lr : float, default=1e-3, 2e-4
        Adam learning rates of the autoencoder and of the critic.
    reconstruction_weight : float, default=1.0
        Weight of the reconstruction loss against the adversarial loss (1).
    device : str, default="auto"

    Attributes
    ----------
    layout_ : Layout
    history_ : list of dict
    """

    name: ClassVar[str] = "anomaly-alad"
    capabilities: ClassVar[Capabilities] = Capabilities(
        kind="table", summary="adversarially trained autoencoder (anomaly scores; cannot sample)", family="GAN",
        encoding="mode_specific", budget=Budget(target_steps=3000, steps_per_row=0.12, max_steps=8000))
    checkers = {
        "epochs": P.optional_positive_int,
        "batch_size": P.positive_int,
        "latent_dim": P.positive_int,
        "hidden_dims": P.layer_sizes,
        "critic_dims": P.layer_sizes,
        "lr": P.positive_float,
        "critic_lr": P.positive_float,
        "reconstruction_weight": P.positive_float,
        "device": P.device_name,
    }

    def __init__(self, *, epochs: int | None = None, batch_size: int = 500, latent_dim: int = 16,
                 hidden_dims: tuple[int, ...] = (128, 128), critic_dims: tuple[int, ...] = (128, 128), lr: float = 1e-3,
                 critic_lr: float = 2e-4, reconstruction_weight: float = 1.0, device: str = "auto") -> None:
        self._store(locals())

    def _build(self, layout: Layout, cfg: dict[str, Any], init: torch.Generator, train: torch.Generator | None) -> dict[str, nn.Module]:
        self._spans = SpanOps(layout, self._device)
        autoencoder = Autoencoder(layout.width, cfg["hidden_dims"], cfg["latent_dim"], init)
        critic = PacCritic(layout.width, cfg["critic_dims"], 1, 0.2, init, train)
        return {"autoencoder": autoencoder, "critic": critic}

    def _sampling_networks(self) -> tuple[str, ...]:
        return ("autoencoder", "critic")

    def _optimizers(self, cfg: dict[str, Any]) -> dict[str, OptimizerSpec]:
        return {"critic": OptimizerSpec(("critic",), "adam", cfg["critic_lr"], (0.5, 0.9)),
                "generator": OptimizerSpec(("autoencoder",), "adam", cfg["lr"], (0.9, 0.999), 1e-5)}

    def _batch_sampler(self, tensors: dict[str, torch.Tensor], cfg: dict[str, Any], gen: torch.Generator) -> RowBatches:
        return RowBatches(tensors["static"].shape[0], cfg["batch_size"], self._device, gen)

    def reconstruction_terms(self, x: torch.Tensor, raw: torch.Tensor, target: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Per-row errors: ``(values (rows, value columns), spans (rows, softmax spans))`` in nats."""
        cols = self._spans.tanh_cols
        values = (x if target is None else target).index_select(1, cols)
        gaussian = (values - torch.tanh(raw.index_select(1, cols))).square() / (2 * VALUE_SCALE**2)
        return gaussian, self._spans.span_cross_entropy(raw, self._spans.codes(x))

    def _training_step(self, ctx: TrainingContext, tensors: dict[str, torch.Tensor], cfg: dict[str, Any]):
        data, weight = tensors["static"], cfg["reconstruction_weight"]

        def real(batch: Batch) -> torch.Tensor:
            return data.index_select(0, batch.rows)

        def fake(batch: Batch) -> tuple[torch.Tensor, torch.Tensor]:
            raw = ctx.networks["autoencoder"](data.index_select(0, batch.rows))
            return raw, self._spans.activate(raw)

        def reconstruction(raw: torch.Tensor, batch: Batch) -> torch.Tensor:
            gaussian, categorical = self.reconstruction_terms(data.index_select(0, batch.rows), raw)
            return weight * (gaussian.sum(dim=1) + categorical.sum(dim=1)).mean()

        return adversarial_step(ctx, AdversarialLoss("gan", pac=1), real=real, fake=fake, extra_generator_loss=reconstruction)

    def _generate(self, n: int, gen: torch.Generator, condition: Any) -> torch.Tensor:
        raise ConfigError(f"{self.name} scores rows, it does not generate them; fit a generator (e.g. ctgan) to sample")


class AdversarialAEScorer(Scorer):
    """Reconstruction + feature-matching error of the adversarial autoencoder (see the module docstring)."""

    name: ClassVar[str] = "alad"
    model_class: ClassVar[type] = AdversarialAutoencoder
    defaults: ClassVar[dict[str, Any]] = {}

    def _parts(self, encoded: ScoringRows) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        model = self.model
        autoencoder, critic = model.networks_["autoencoder"], model.networks_["critic"]

        def fn(x: torch.Tensor, target: torch.Tensor) -> tuple[torch.Tensor, ...]:
            raw = autoencoder(x)
            gaussian, categorical = model.reconstruction_terms(x, raw, target)
            matching = (critic_features(critic, x) - critic_features(critic, model._spans.activate(raw))).abs().mean(dim=1)
            return gaussian, categorical, matching

        return batched(fn, (encoded.x, encoded.target), self.device)

    def _calibrate(self, encoded: ScoringRows) -> dict[str, float]:
        return {"matching_scale": float(max(np.median(self._parts(encoded)[2]), 1e-12))}

    def _terms(self, encoded: ScoringRows) -> tuple[np.ndarray, np.ndarray]:
        gaussian, categorical, matching = self._parts(encoded)
        columns = self.rows.to_columns(gaussian, "value") + self.rows.to_columns(categorical, "span")
        return columns, matching / self.calibration["matching_scale"]
