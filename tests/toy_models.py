"""Toy models of other kinds of data, built on the shared core only (no tabular code): a sequence
GAN and an image GAN of a few lines each. tests/test_core_seams.py registers and trains them."""

from __future__ import annotations

from typing import Any, ClassVar

import torch
from torch import nn

from synthgan.core import params as P
from synthgan.core.adversarial import AdversarialLoss, adversarial_step
from synthgan.core.batches import UniformBatches
from synthgan.core.budget import Budget
from synthgan.core.layers import PacCritic, seeded_linear
from synthgan.core.model import Capabilities
from synthgan.core.neural import NeuralModel
from synthgan.core.trainer import OptimizerSpec

NOISE = 8


class ToyGAN(NeuralModel):
    """An MLP generator and critic over items of any shape, trained with the shared GAN step."""

    part: ClassVar[str]  # which part of EncodedData the items are
    checkers = {"epochs": P.optional_positive_int, "batch_size": P.positive_int, "device": P.device_name}

    def __init__(self, *, epochs: int | None = 4, batch_size: int = 16, device: str = "cpu") -> None:
        self._store(locals())

    def _sample_shape(self) -> tuple[int, ...]:
        return tuple(self.spec_["shape"])

    def _build(self, spec: Any, cfg: dict, init: torch.Generator, train: torch.Generator | None) -> dict[str, nn.Module]:
        width = int(torch.tensor(spec["shape"]).prod())
        generator = nn.Sequential(seeded_linear(NOISE, 32, init), nn.ReLU(), seeded_linear(32, width, init))
        return {"generator": generator, "critic": PacCritic(width, (32,), 1, 0.0, init, train)}

    def _sampling_networks(self) -> tuple[str, ...]:
        return ("generator",)

    def _optimizers(self, cfg: dict) -> dict[str, OptimizerSpec]:
        return {name: OptimizerSpec((name,), "adam", 1e-3, (0.5, 0.9)) for name in ("critic", "generator")}

    def _batch_sampler(self, tensors: dict, cfg: dict, gen: torch.Generator) -> UniformBatches:
        return UniformBatches(len(tensors[self.part]), cfg["batch_size"], self._device)

    def _training_step(self, ctx, tensors: dict, cfg: dict):
        items, shape = tensors[self.part], self._sample_shape()

        def fake(batch):
            z = torch.randn(len(batch.vectors), NOISE, generator=ctx.generator)
            raw = ctx.networks["generator"](z)
            return raw, torch.tanh(raw).view(-1, *shape)

        return adversarial_step(ctx, AdversarialLoss("wgan-gp"), real=lambda batch: items[batch.rows], fake=fake)

    def _generate(self, n: int, gen: torch.Generator, condition: Any) -> torch.Tensor:
        z = torch.randn(n, NOISE, generator=gen)
        return torch.tanh(self.networks_["generator"](z)).view(n, *self._sample_shape())


class ToySequenceGAN(ToyGAN):
    name: ClassVar[str] = "toy-sequence-gan"
    capabilities: ClassVar[Capabilities] = Capabilities(kind="sequence", summary="toy sequence GAN", budget=Budget(40))
    part = "temporal"


class ToyImageGAN(ToyGAN):
    name: ClassVar[str] = "toy-image-gan"
    capabilities: ClassVar[Capabilities] = Capabilities(kind="image", summary="toy image GAN", budget=Budget(40))
    part = "static"
