"""The GAN step, written once for every kind of data: critic updates, generator update, losses.

``wgan-gp`` (Wasserstein loss + gradient penalty on PacGAN-group interpolates), ``wgan``
(Wasserstein loss, critic weights clipped), ``gan`` (the original GAN with the
non-saturating generator loss) and ``hinge`` (SNGAN's and BigGAN's: the critic minimises
``relu(1 - D(real)) + relu(1 + D(fake))``, the generator ``-D(fake)``). A model says how
to read real items and how to make fake ones (tables: rows plus their conditional vector;
images: tensors of pixels); the critic's and the generator's networks and optimisers come
from the :class:`~synthgan.core.trainer.TrainingContext`, so they may be wrapped (DP-SGD, DDP).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F

from synthgan.core.batches import Batch
from synthgan.core.trainer import TrainingContext
from synthgan.errors import ConfigError

LOSSES = ("wgan-gp", "wgan", "gan", "hinge")


@dataclass(frozen=True)
class AdversarialLoss:
    """Which adversarial game to play.

    Parameters
    ----------
    kind : {"wgan-gp", "wgan", "gan", "hinge"}
    pac : int, default=1
        Items the critic judges together (PacGAN); the penalty interpolates per group.
    gradient_penalty : float, default=10.0
        Weight of the gradient penalty (``wgan-gp``).
    clip_value : float, optional
        Clip critic weights to ``[-clip_value, clip_value]`` after each update (``wgan``).
    """

    kind: str = "wgan-gp"
    pac: int = 1
    gradient_penalty: float = 10.0
    clip_value: float | None = None

    def __post_init__(self) -> None:
        if self.kind not in LOSSES:
            raise ConfigError(f"adversarial loss must be one of {', '.join(LOSSES)}, got {self.kind!r}")

    def critic(self, critic: Callable, real: torch.Tensor, fake: torch.Tensor, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        """Critic loss to minimise and the gradient penalty (zero unless ``wgan-gp``), to add."""
        n, pac = real.shape[0], self.pac
        # real and fake in one pass (no batch norm in the critic); the interpolates in their own
        # pass, so the first-order backward does not run over them (or need input gradients)
        s_real, s_fake = critic(torch.cat([real, fake])).split(n // pac)
        zero = torch.zeros((), device=real.device)
        if self.kind == "gan":  # BCE with logits: real -> 1, fake -> 0
            return F.softplus(-s_real).mean() + F.softplus(s_fake).mean(), zero
        if self.kind == "hinge":
            return F.relu(1.0 - s_real).mean() + F.relu(1.0 + s_fake).mean(), zero
        if self.kind == "wgan":
            return s_fake.mean() - s_real.mean(), zero
        item_shape = real.shape[1:]
        alpha = torch.rand(n // pac, 1, 1, generator=generator, device=real.device)  # one per PacGAN group
        alpha = alpha.expand(n // pac, pac, item_shape.numel()).reshape(n, *item_shape)
        mixed = torch.lerp(fake, real, alpha).requires_grad_(True)
        (grad,) = torch.autograd.grad(critic(mixed).sum(), mixed, create_graph=True)
        penalty = (grad.reshape(n // pac, -1).norm(dim=1) - 1.0).square().mean() * self.gradient_penalty
        return s_fake.mean() - s_real.mean(), penalty

    def generator(self, scores: torch.Tensor) -> torch.Tensor:
        """Generator loss for the critic's ``scores`` of fake items."""
        if self.kind == "gan":  # non-saturating: maximise log D(fake)
            return F.softplus(-scores).mean()
        return -scores.mean()  # wgan, wgan-gp, hinge


def adversarial_step(
    ctx: TrainingContext,
    loss: AdversarialLoss,
    *,
    real: Callable[[Batch], torch.Tensor],
    fake: Callable[[Batch], tuple[torch.Tensor, torch.Tensor]],
    critic_steps: int = 1,
    extra_generator_loss: Callable[[torch.Tensor, Batch], torch.Tensor] | None = None,
    after_generator_step: Callable[[], Any] | None = None,
) -> tuple[Callable[[], torch.Tensor], list[str]]:
    """Build the training step of a GAN and the names of the scalars it logs.

    Parameters
    ----------
    ctx : TrainingContext
        Holds networks ``"critic"`` (and the generator, used inside ``fake``) and the
        optimisers ``"critic"`` and ``"generator"``.
    loss : AdversarialLoss
    real : callable
        ``real(batch)``: the critic's input for the batch's real items.
    fake : callable
        ``fake(batch)``: ``(raw generator output, critic input)`` for as many fake items
        as the batch holds, with the batch's conditions.
    critic_steps : int, default=1
        Critic updates per generator update.
    extra_generator_loss : callable, optional
        ``extra(raw, batch)``, added to the generator loss and logged as
        ``conditional_loss`` (e.g. CTGAN's cross-entropy on the asked category).
    after_generator_step : callable, optional
        Called after each generator update (e.g. a weight average).

    Returns
    -------
    step : callable
        One generator update; returns the logged scalars as one tensor.
    names : list of str
    """
    sampler, gen = ctx.batch_sampler, ctx.generator
    penalised, clip = loss.kind == "wgan-gp", loss.clip_value
    critic_params = ctx.params["critic"]

    def critic_step() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        batch = sampler.real_batch(gen)
        real_items = real(batch)
        with torch.no_grad():
            fake_items = fake(batch)[1]
        c_loss, penalty = loss.critic(ctx.networks["critic"], real_items, fake_items, gen)
        norm = ctx.update("critic", penalty, c_loss) if penalised else ctx.update("critic", c_loss)
        if clip is not None:
            with torch.no_grad():
                torch._foreach_clamp_min_(critic_params, -clip)
                torch._foreach_clamp_max_(critic_params, clip)
        return (c_loss + penalty).detach(), penalty.detach(), norm

    def step() -> torch.Tensor:
        for _ in range(critic_steps):
            c_loss, penalty, c_norm = critic_step()
        batch = sampler.condition_batch(gen)
        raw, fake_items = fake(batch)
        with ctx.frozen("critic") as critic:
            scores = critic(fake_items)
            extra = extra_generator_loss(raw, batch) if extra_generator_loss is not None else None
            g_loss = loss.generator(scores) if extra is None else loss.generator(scores) + extra
            g_norm = ctx.update("generator", g_loss)
        if after_generator_step is not None:
            after_generator_step()
        logs = [g_loss.detach(), c_loss, g_norm, c_norm]
        if extra is not None:
            logs.append(extra.detach())
        if penalised:
            logs.append(penalty)
        return torch.stack(logs)

    names = ["generator_loss", "critic_loss", "generator_grad_norm", "critic_grad_norm"]
    names += ["conditional_loss"] * (extra_generator_loss is not None) + ["gradient_penalty"] * penalised
    return step, names
