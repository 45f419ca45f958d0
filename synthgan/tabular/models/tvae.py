"""TVAE: a variational autoencoder over encoded rows (Xu et al., 2019).

The encoder maps a row to a Gaussian posterior over a latent code; the decoder maps a
code back to logits for every softmax span and a mean (through tanh) with a learned
standard deviation for every value column. Loss = ``loss_factor`` x (cross-entropy of
the spans + Gaussian negative log-likelihood of the values) + KL to N(0, I).
Sampling decodes prior draws and samples each span's category and each value.
"""

from __future__ import annotations

from typing import Any, ClassVar

import torch
from torch import nn

from synthgan.tabular.layout import Layout
from synthgan.core import params as P
from synthgan.core.layers import MLP, seeded_linear
from synthgan.tabular.models.spans import SpanOps
from synthgan.core.batches import ShuffledBatches
from synthgan.core.trainer import OptimizerSpec, TrainingContext
from synthgan.tabular.models.neural import TableNeuralModel
from synthgan.core.budget import Budget
from synthgan.core.model import Capabilities
from synthgan.errors import ConfigError

SIGMA_RANGE = (0.01, 1.0)


class Encoder(nn.Module):
    def __init__(self, in_features: int, hidden: tuple[int, ...], latent: int, generator: torch.Generator) -> None:
        super().__init__()
        self.trunk = MLP(in_features, hidden, generator)
        self.mu = seeded_linear(self.trunk.out_features, latent, generator)
        self.logvar = seeded_linear(self.trunk.out_features, latent, generator)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.trunk(x)
        return self.mu(h), self.logvar(h)


class Decoder(nn.Module):
    """Latent code -> raw outputs for every encoded column, plus one learned sigma per value column."""

    def __init__(self, latent: int, hidden: tuple[int, ...], out_features: int, n_values: int, generator: torch.Generator) -> None:
        super().__init__()
        self.trunk = MLP(latent, hidden, generator)
        self.out = seeded_linear(self.trunk.out_features, out_features, generator)
        self.sigma = nn.Parameter(torch.full((n_values,), 0.1))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.out(self.trunk(z))


class TVAE(TableNeuralModel):
    """Tabular variational autoencoder (unconditional).

    Parameters
    ----------
    epochs : int, optional
        ``None`` picks about 8000 steps' worth, between 5 and 300 epochs.
    batch_size : int, default=500
    embedding_dim : int, default=128
        Size of the latent code.
    compress_dims, decompress_dims : sequence of int, default=(128, 128)
        Hidden widths of the encoder and the decoder.
    lr : float, default=1e-3
        Adam learning rate.
    l2scale : float, default=1e-5
        L2 weight decay.
    loss_factor : float, default=2.0
        Weight of the reconstruction term against the KL term.
    device : str, default="auto"
        ``"auto"`` (CUDA when available), ``"cpu"`` or ``"cuda"``.

    Attributes
    ----------
    layout_ : Layout
    history_ : list of dict
        Per epoch: loss, reconstruction_loss, kl_loss, seconds.
    seed_ : int
    epochs_ : int
    """

    name: ClassVar[str] = "tvae"
    capabilities: ClassVar[Capabilities] = Capabilities(
        kind="table", summary="tabular variational autoencoder", family="VAE", encoding="mode_specific",
        budget=Budget(target_steps=8000), one_hot_samples=True, augmentation_arm=True)
    checkers = {
        "epochs": P.optional_positive_int,
        "batch_size": P.positive_int,
        "embedding_dim": P.positive_int,
        "compress_dims": P.layer_sizes,
        "decompress_dims": P.layer_sizes,
        "lr": P.positive_float,
        "l2scale": P.non_negative_float,
        "loss_factor": P.positive_float,
        "device": P.device_name,
    }

    def __init__(
        self,
        *,
        epochs: int | None = None,
        batch_size: int = 500,
        embedding_dim: int = 128,
        compress_dims: tuple[int, ...] = (128, 128),
        decompress_dims: tuple[int, ...] = (128, 128),
        lr: float = 1e-3,
        l2scale: float = 1e-5,
        loss_factor: float = 2.0,
        device: str = "auto",
    ) -> None:
        self._store(locals())

    def _build(self, layout: Layout, cfg: dict[str, Any], init: torch.Generator, train: torch.Generator | None) -> dict[str, nn.Module]:
        self._spans = SpanOps(layout, self._device)
        latent = cfg["embedding_dim"]
        encoder = Encoder(layout.width, cfg["compress_dims"], latent, init)
        decoder = Decoder(latent, cfg["decompress_dims"], layout.width, len(self._spans.tanh_cols), init)
        return {"encoder": encoder, "decoder": decoder}

    def _sampling_networks(self) -> tuple[str, ...]:
        return ("decoder",)

    def _optimizers(self, cfg: dict[str, Any]) -> dict[str, OptimizerSpec]:
        return {"vae": OptimizerSpec(("encoder", "decoder"), "adam", cfg["lr"], weight_decay=cfg["l2scale"])}

    def _batch_sampler(self, tensors: dict[str, torch.Tensor], cfg: dict[str, Any], gen: torch.Generator) -> ShuffledBatches:
        return ShuffledBatches(tensors["static"].shape[0], cfg["batch_size"], self._device, gen)

    def _loss(self, encoder: nn.Module, decoder: nn.Module, x: torch.Tensor, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        rows = x.shape[0]
        mu, logvar = encoder(x)
        z = mu + torch.randn(mu.shape, generator=gen, device=x.device) * torch.exp(0.5 * logvar)
        raw = decoder(z)
        sigma = self.networks_["decoder"].sigma
        cols = self._spans.tanh_cols
        error = x.index_select(1, cols) - torch.tanh(raw.index_select(1, cols))
        gaussian = (error.square() / (2 * sigma.square())).sum() + torch.log(sigma).sum() * rows
        categorical = self._spans.span_cross_entropy(raw, self._spans.codes(x)).sum()
        reconstruction = (gaussian + categorical) / rows
        kl = -0.5 * (1 + logvar - mu.square() - logvar.exp()).sum() / rows
        return self._cfg["loss_factor"] * reconstruction + kl, reconstruction, kl

    def _training_step(self, ctx: TrainingContext, tensors: dict[str, torch.Tensor], cfg: dict[str, Any]):
        data, gen = tensors["static"], ctx.generator
        sigma = self.networks_["decoder"].sigma

        def step() -> torch.Tensor:
            rows = ctx.batch_sampler.real_batch(gen).rows
            loss, reconstruction, kl = self._loss(ctx.networks["encoder"], ctx.networks["decoder"], data.index_select(0, rows), gen)
            ctx.update("vae", loss)
            with torch.no_grad():
                sigma.clamp_(*SIGMA_RANGE)
            return torch.stack([loss.detach(), reconstruction.detach(), kl.detach()])

        return step, ["loss", "reconstruction_loss", "kl_loss"]

    def _finish_training(self) -> None:
        del self.networks_["encoder"]  # only needed for training

    def row_terms(self, x: torch.Tensor, target: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Per-row parts of the negative ELBO at the posterior mean (no sampling, so deterministic).

        Needs the encoder network, which a plain TVAE drops after training; a subclass
        that keeps it (e.g. :class:`synthgan.anomaly.vae_score.ScoringTVAE`) can call this.

        Parameters
        ----------
        x : Tensor of shape (rows, width)
            Encoded rows (on the model's device).
        target : Tensor of shape (rows, width), optional
            What the value columns are scored against (default ``x``), e.g. values
            not clipped to their mode's range.

        Returns
        -------
        gaussian : Tensor of shape (rows, value columns)
            Gaussian negative log-likelihood of each value column (``layout_`` order).
        categorical : Tensor of shape (rows, softmax spans)
            Cross-entropy of each softmax span (``layout_`` order).
        kl : Tensor of shape (rows,)
            KL divergence of the posterior from N(0, I).
        """
        if "encoder" not in self.networks_:
            raise ConfigError(f"{self.name}: row_terms needs the encoder network, which this model dropped after "
                              "training; fit a model that keeps it (synthgan.anomaly.vae_score.ScoringTVAE)")
        mu, logvar = self.networks_["encoder"](x)
        decoder = self.networks_["decoder"]
        raw = decoder(mu)
        cols = self._spans.tanh_cols
        values = (x if target is None else target).index_select(1, cols)
        gaussian = (values - torch.tanh(raw.index_select(1, cols))).square() / (2 * decoder.sigma.square()) + torch.log(decoder.sigma)
        categorical = self._spans.span_cross_entropy(raw, self._spans.codes(x))
        kl = -0.5 * (1 + logvar - mu.square() - logvar.exp()).sum(dim=1)
        return gaussian, categorical, kl

    def _generate(self, n: int, gen: torch.Generator, condition: tuple[int, int] | None) -> torch.Tensor:
        z = torch.randn(n, self._cfg["embedding_dim"], generator=gen, device=self._device)
        decoder = self.networks_["decoder"]
        raw = decoder(z)
        index = self._spans
        out = index.sample_rows(raw.T.contiguous(), gen)  # a draw from each span's softmax, tanh on values
        values = out.index_select(1, index.tanh_cols)
        values += decoder.sigma * torch.randn(values.shape, generator=gen, device=raw.device)
        out.index_copy_(1, index.tanh_cols, values.clamp_(-1.0, 1.0))
        return out
