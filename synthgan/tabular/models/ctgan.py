"""CTGAN: a conditional WGAN-GP with training-by-sampling (Xu et al., 2019).

The generator receives noise plus a conditional vector (one category of one
categorical column); a cross-entropy term makes it honour that category, and the
PacGAN critic sees real rows drawn to match the same conditions. Sampling can then
ask for any category natively with ``condition=(k, j)``: the conditional vector asks
the generator for it (so the other columns follow), and the conditioned span of the
output is set to exactly that category.
"""

from __future__ import annotations

from typing import ClassVar

import torch

from synthgan.core import params as P
from synthgan.core.model import Capabilities
from synthgan.tabular.models.gan import ADVERSARIAL_CHECKERS, GAN_BUDGET, AdversarialModel
from synthgan.tabular.models.spans import SpanOps
from synthgan.tabular.models.condition_vectors import ConditionBatch


class CTGAN(AdversarialModel):
    """Conditional tabular GAN with a residual generator and a PacGAN critic.

    The SDV CTGAN architecture is ``CTGAN(batch_size=500, generator_ema=None)`` (the
    other defaults match it: pac 10, embedding 128, (256, 256) layers, Adam 2e-4 with
    betas (0.5, 0.9), weight decay 1e-6, one critic step).

    Parameters
    ----------
    epochs : int, optional
        ``None`` picks about ``max(3000, 0.12 x rows)`` generator steps' worth (at most
        8000), between 5 and 300 epochs.
    batch_size : int, default=500
        Rows per step; a multiple of ``pac``.
    embedding_dim : int, default=128
        Size of the generator's noise input.
    generator_dim, discriminator_dim : sequence of int, default=(256, 256)
        Hidden widths of the residual generator and of the critic.
    generator_lr, discriminator_lr : float, default=2e-4
        Adam learning rates.
    betas : (float, float), default=(0.5, 0.9)
        Adam betas of both optimisers.
    generator_decay, discriminator_decay : float, default=1e-6
        L2 weight decay.
    pac : int, default=10
        Rows the critic judges together (PacGAN), against mode collapse.
    discriminator_steps : int, default=1
        Critic steps per generator step.
    log_frequency : bool, default=True
        Training-by-sampling picks categories with probability ∝ log(1 + count).
    generator_ema : float or None, default=0.999
        Decay of an exponential moving average of the generator weights used for
        sampling (warmed up over the first steps; on Adult it lifts column-shape and
        pair-trend scores by 2-3 points at equal training); ``None`` samples from the
        last weights, as SDV does.
    device : str, default="auto"
        ``"auto"`` (CUDA when available), ``"cpu"`` or ``"cuda"``.

    Attributes
    ----------
    layout_ : Layout
    history_ : list of dict
        Per epoch: generator_loss, critic_loss, generator_grad_norm, critic_grad_norm,
        conditional_loss, gradient_penalty, seconds.
    seed_ : int
    epochs_ : int
    """

    name: ClassVar[str] = "ctgan"
    capabilities: ClassVar[Capabilities] = Capabilities(
        kind="table", encoding="mode_specific", budget=GAN_BUDGET, conditional=True, one_hot_samples=True,
        augmentation_arm=True,
        summary="conditional tabular GAN: residual generator, PacGAN critic, WGAN-GP loss, training-by-sampling; "
                "samples conditions natively")
    conditional: ClassVar[bool] = True
    loss: ClassVar[str] = "wgan-gp"
    checkers = {**ADVERSARIAL_CHECKERS, "betas": P.adam_betas, "log_frequency": P.boolean}

    def __init__(
        self,
        *,
        epochs: int | None = None,
        batch_size: int = 500,
        embedding_dim: int = 128,
        generator_dim: tuple[int, ...] = (256, 256),
        discriminator_dim: tuple[int, ...] = (256, 256),
        generator_lr: float = 2e-4,
        discriminator_lr: float = 2e-4,
        betas: tuple[float, float] = (0.5, 0.9),
        generator_decay: float = 1e-6,
        discriminator_decay: float = 1e-6,
        pac: int = 10,
        discriminator_steps: int = 1,
        log_frequency: bool = True,
        generator_ema: float | None = 0.999,
        device: str = "auto",
    ) -> None:
        self._store(locals())

    def _build(self, layout, cfg, init, train):
        networks = super()._build(layout, cfg, init, train)
        self._condition_index = SpanOps(layout, self._device, spans=layout.condition_spans)
        return networks

    def _conditional_loss(self, raw: torch.Tensor, batch: ConditionBatch) -> torch.Tensor:
        """Cross-entropy of the generator's logits for each row's chosen span against its chosen category."""
        if self._condition_index.n_spans == 0:
            return torch.zeros((), device=raw.device)
        index = self._condition_index
        logits = raw.gather(1, index.pad_index.index_select(0, batch.spans))
        logits = logits.masked_fill(index.pad_mask.index_select(0, batch.spans), float("-inf"))
        chosen = raw.gather(1, batch.target_columns.unsqueeze(1)).squeeze(1)
        return (torch.logsumexp(logits, dim=1) - chosen).mean()

    def _check_condition(self, condition: tuple[int, int]) -> None:
        self._sampler.check_condition(condition)

    def _generate(self, n: int, gen: torch.Generator, condition: tuple[int, int] | None) -> torch.Tensor:
        out = super()._generate(n, gen, condition)
        if condition is not None:  # the generator is asked for category j; make its output exactly that
            k, j = self._sampler.check_condition(condition)
            span = self.layout_.spans[self.layout_.condition_spans[k]]
            out[:, span.start : span.end] = 0.0
            out[:, span.start + j] = 1.0
        return out
