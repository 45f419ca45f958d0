"""A conditional VAE for small images: the baseline the image GANs are compared with.

The encoder is the critic's convolutional trunk with the label embedding appended before
two linear heads (mean and log-variance of a ``latent_dim`` Gaussian); the decoder is the
GANs' generator (class-conditional batch norm), with the latent code as its noise. The
reconstruction term is the binary cross-entropy of the pixels scaled to [0, 1] (the
decoder's ``tanh`` output ``t`` is ``2 sigmoid(2a) - 1``, so ``2a`` are the logits),
summed over pixels, plus the KL divergence from N(0, I) (Kingma & Welling 2014; Sohn et
al. 2015). Sampling decodes codes drawn from N(0, I) to the decoder's mean image.
"""

from __future__ import annotations

from typing import Any, ClassVar

import torch
import torch.nn.functional as F
from torch import nn

from synthgan.core import params as P
from synthgan.core.budget import Budget
from synthgan.core.model import Capabilities
from synthgan.core.registry import register
from synthgan.core.trainer import OptimizerSpec, TrainingContext
from synthgan.images.models.base import ImageNeuralModel
from synthgan.core.conv_nets import Encoder, Generator, Plan

__all__ = ["CVAE", "CVAE_BUDGET"]

#: default training length of the conditional VAE (8,000 images, batch 64: 24 epochs)
CVAE_BUDGET = Budget(target_steps=3000, min_epochs=1, max_epochs=2000)


@register
class CVAE(ImageNeuralModel):
    """Conditional VAE for small images (see the module docstring).

    Parameters
    ----------
    epochs : int, optional
        ``None``: about 3,000 steps (:data:`CVAE_BUDGET`), whatever the data size.
    batch_size : int, default=64
    latent_dim : int, default=16
        Size of the latent code.
    width : int, default=64
        Channels of the largest feature map (as the GANs').
    lr : float, default=1e-3
        Adam's step size.
    device : str, default="auto"
    """

    name: ClassVar[str] = "cvae"
    capabilities: ClassVar[Capabilities] = Capabilities(
        kind="image", summary="conditional VAE for small images (the image GANs' baseline)", family="VAE",
        conditional=True, budget=CVAE_BUDGET)
    checkers = {"epochs": P.optional_positive_int, "batch_size": P.positive_int, "latent_dim": P.positive_int,
                "width": P.positive_int, "lr": P.positive_float, "device": P.device_name}

    def __init__(self, *, epochs: int | None = None, batch_size: int = 64, latent_dim: int = 16, width: int = 64,
                 lr: float = 1e-3, device: str = "auto") -> None:
        self._store(locals())

    def _build(self, spec: Any, cfg: dict[str, Any], init: torch.Generator, train: torch.Generator | None) -> dict[str, nn.Module]:
        (c, h, w), k = spec["shape"], int(spec["n_classes"])
        plan = Plan.for_size(h, w)
        return {"encoder": Encoder(c, k, plan, cfg["width"], cfg["latent_dim"], init),
                "decoder": Generator(cfg["latent_dim"], k, c, plan, cfg["width"], init)}

    def _sampling_networks(self) -> tuple[str, ...]:
        return ("decoder",)

    def _optimizers(self, cfg: dict[str, Any]) -> dict[str, OptimizerSpec]:
        return {"vae": OptimizerSpec(("encoder", "decoder"), "adam", cfg["lr"])}

    def _training_step(self, ctx: TrainingContext, tensors: dict[str, torch.Tensor], cfg: dict[str, Any]):
        images, gen = tensors["static"], ctx.generator
        conditional = self.n_classes_ > 0

        def step() -> torch.Tensor:
            batch = ctx.batch_sampler.real_batch(gen)
            x = images.index_select(0, batch.rows)
            labels = batch.vectors if conditional else None
            mu, log_var = ctx.networks["encoder"](x, labels)
            z = mu + torch.exp(0.5 * log_var) * torch.randn(mu.shape, generator=gen, device=mu.device)
            logits = 2.0 * ctx.networks["decoder"](z, labels, raw=True)
            target = (x + 1.0) * 0.5
            reconstruction = F.binary_cross_entropy_with_logits(logits, target, reduction="sum") / len(x)
            kl = -0.5 * (1.0 + log_var - mu.square() - log_var.exp()).sum() / len(x)
            loss = reconstruction + kl
            ctx.update("vae", loss)
            return torch.stack([loss.detach(), reconstruction.detach(), kl.detach()])

        return step, ["loss", "reconstruction_loss", "kl_loss"]

    def _finish_training(self) -> None:
        del self.networks_["encoder"]  # only needed for training

    def _generate(self, n: int, gen: torch.Generator, condition: Any) -> torch.Tensor:
        labels = self._labels(n, gen, condition)
        z = torch.randn(n, self._cfg["latent_dim"], generator=gen, device=self._device)
        return self.networks_["decoder"](z, labels)
