"""Convolutional networks for small images and rows seen as squares (8 to 64 pixels a side), seeded from a given generator.

Sizes: an image of ``H x W`` pixels is built from a ``base_h x base_w`` grid doubled
``stages`` times (:class:`Plan`): 28 -> 7, 14, 28; 32 -> 8, 16, 32; 64 -> 8, 16, 32, 64.
Sizes that do not halve evenly are padded up (the generator's output is cropped, the
critic's input padded with zeros), so any size in range works.

* :class:`Generator`: noise (and a label embedding) -> linear -> ``base`` grid ->
  ``ConvTranspose(4, 2, 1)`` stages with batch norm and ReLU -> ``tanh`` pixels in [-1, 1].
  With classes, every batch norm is class-conditional (a per-class gain and bias).
* :class:`Critic`: ``Conv(4, 2, 1)`` stages with LeakyReLU(0.2) -> flattened features ->
  a linear score, plus the projection ``<embed(label), features>`` (Miyato & Koyama 2018)
  with classes. No batch norm (the adversarial step scores real and fake items in one pass);
  optional spectral normalisation of every layer (:class:`SpectralNorm`).
* :class:`Encoder`: the critic's trunk -> ``(mu, log_var)`` of a latent Gaussian (the VAE).

The critic reads labels from its input: a conditional model appends a constant channel
holding each item's class index (:func:`with_labels`), so the core's adversarial step,
which passes one tensor per item, carries the condition (an interpolate between a real
and a fake item of the same class keeps it exactly).

Weights are drawn from the given ``torch.Generator`` (normal, std 0.02, as DCGAN), never
from torch's global random state; spectral normalisation's power-iteration vector too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

INIT_STD = 0.02


@dataclass(frozen=True)
class Plan:
    """How an ``height x width`` image is built: a ``base`` grid doubled ``stages`` times (then cropped)."""

    height: int
    width: int
    stages: int
    base_h: int
    base_w: int

    @classmethod
    def for_size(cls, height: int, width: int) -> "Plan":
        stages = max(1, math.ceil(math.log2(max(height, width) / 8)))
        return cls(height, width, stages, -(-height // 2**stages), -(-width // 2**stages))

    @property
    def padded(self) -> tuple[int, int]:
        return self.base_h * 2**self.stages, self.base_w * 2**self.stages

    def channels(self, width: int) -> list[int]:
        """Feature channels from the base grid up: ``width * 2**(stages-1)`` ... ``width``."""
        return [width * 2 ** (self.stages - 1 - i) for i in range(self.stages)]


def _init(layer: nn.Module, generator: torch.Generator, std: float = INIT_STD) -> nn.Module:
    with torch.no_grad():
        layer.weight.normal_(0.0, std, generator=generator)
        if getattr(layer, "bias", None) is not None:
            layer.bias.zero_()
    return layer


def conv(c_in: int, c_out: int, kernel: int, stride: int, padding: int, generator: torch.Generator,
         transposed: bool = False, bias: bool = True) -> nn.Module:
    cls = nn.ConvTranspose2d if transposed else nn.Conv2d
    return _init(nn.utils.skip_init(cls, c_in, c_out, kernel, stride, padding, bias=bias), generator)


def linear(n_in: int, n_out: int, generator: torch.Generator, bias: bool = True) -> nn.Linear:
    return _init(nn.utils.skip_init(nn.Linear, n_in, n_out, bias=bias), generator)


def embedding(n: int, dim: int, generator: torch.Generator, std: float = INIT_STD) -> nn.Embedding:
    return _init(nn.utils.skip_init(nn.Embedding, n, dim), generator, std)


class SpectralNorm(nn.Module):
    """A conv or linear layer whose weight is divided by its largest singular value.

    One power iteration per training forward (Miyato et al. 2018); in eval mode the
    stored vectors are used as they are. The vectors are buffers (saved, checkpointed)
    and start from ``generator``. They are cloned before use, so a second forward in the
    same step (the gradient penalty) does not invalidate the first one's graph.
    """

    def __init__(self, layer: nn.Module, generator: torch.Generator) -> None:
        super().__init__()
        self.layer = layer
        u = F.normalize(torch.randn(layer.weight.shape[0], generator=generator), dim=0)
        self.register_buffer("u", u)
        self.register_buffer("v", F.normalize(self._matrix(layer.weight.detach()).t() @ u, dim=0))

    def _matrix(self, weight: torch.Tensor) -> torch.Tensor:
        return weight.reshape(weight.shape[0], -1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        weight = self.layer.weight
        matrix = self._matrix(weight)
        if self.training:
            with torch.no_grad():
                self.v.copy_(F.normalize(matrix.t() @ self.u, dim=0, eps=1e-12))
                self.u.copy_(F.normalize(matrix @ self.v, dim=0, eps=1e-12))
        sigma = torch.dot(self.u.clone(), matrix @ self.v.clone())
        weight = weight / sigma
        if isinstance(self.layer, nn.Linear):
            return F.linear(x, weight, self.layer.bias)
        return self.layer._conv_forward(x, weight, self.layer.bias)


class ConditionalBatchNorm(nn.Module):
    """Batch norm whose gain and bias depend on the class (plain batch norm without classes)."""

    def __init__(self, channels: int, n_classes: int) -> None:
        super().__init__()
        self.n_classes = n_classes
        self.bn = nn.BatchNorm2d(channels, affine=n_classes == 0)
        if n_classes:
            self.gain = nn.utils.skip_init(nn.Embedding, n_classes, channels)
            self.bias = nn.utils.skip_init(nn.Embedding, n_classes, channels)
            with torch.no_grad():
                self.gain.weight.fill_(1.0)
                self.bias.weight.zero_()

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        out = self.bn(x)
        if not self.n_classes:
            return out
        return out * self.gain(labels)[:, :, None, None] + self.bias(labels)[:, :, None, None]


class Generator(nn.Module):
    """Noise ``(n, noise_dim)`` (+ labels) -> images ``(n, C, H, W)`` in [-1, 1]; see the module docstring."""

    def __init__(self, noise_dim: int, n_classes: int, channels: int, plan: Plan, width: int,
                 generator: torch.Generator, embed_dim: int = 32) -> None:
        super().__init__()
        self.plan, self.noise_dim, self.n_classes = plan, noise_dim, n_classes
        widths = plan.channels(width)
        self.top = widths[0]
        self.embed = embedding(n_classes, embed_dim, generator, std=1.0) if n_classes else None
        self.fc = linear(noise_dim + (embed_dim if n_classes else 0), self.top * plan.base_h * plan.base_w, generator,
                         bias=False)
        self.norms = nn.ModuleList(ConditionalBatchNorm(c, n_classes) for c in widths)
        self.ups = nn.ModuleList(conv(a, b, 4, 2, 1, generator, transposed=True, bias=False)
                                 for a, b in zip(widths[:-1], widths[1:]))
        self.out = conv(widths[-1], channels, 4, 2, 1, generator, transposed=True)

    def forward(self, noise: torch.Tensor, labels: torch.Tensor | None = None, *, raw: bool = False) -> torch.Tensor:
        """Images in [-1, 1]; with ``raw``, their values before the final ``tanh``."""
        plan = self.plan
        h = noise if self.embed is None else torch.cat([noise, self.embed(labels)], dim=1)
        h = self.fc(h).view(-1, self.top, plan.base_h, plan.base_w)
        h = F.relu(self.norms[0](h, labels))
        for up, norm in zip(self.ups, self.norms[1:]):
            h = F.relu(norm(up(h), labels))
        x = self.out(h)
        if (plan.height, plan.width) != plan.padded:
            x = x[:, :, : plan.height, : plan.width]
        return x if raw else torch.tanh(x)


MINIBATCH_GROUP = 4


def minibatch_std(h: torch.Tensor, group: int = MINIBATCH_GROUP) -> torch.Tensor:
    """``h`` with one more channel: the mean standard deviation of the features over groups of consecutive items.

    Karras et al. (2018)'s minibatch standard deviation, over *consecutive* items, so that
    the critic's one pass over ``cat([real, fake])`` never mixes a real and a fake item in a
    group (when the batch is a multiple of the group; else smaller groups, or none).
    """
    n = h.shape[0]
    g = next((size for size in (group, 2) if n % (2 * size) == 0), 1)
    if g == 1:
        return torch.cat([h, torch.zeros_like(h[:, :1])], dim=1)
    grouped = h.reshape(n // g, g, *h.shape[1:])
    std = (grouped.var(dim=1, unbiased=False) + 1e-8).sqrt().mean(dim=(1, 2, 3))  # one value per group
    plane = std.repeat_interleave(g).view(n, 1, 1, 1).expand(n, 1, *h.shape[2:])
    return torch.cat([h, plane], dim=1)


class Trunk(nn.Module):
    """``Conv(4, 2, 1)`` + LeakyReLU(0.2) stages down to the base grid, flattened (optionally spectrally normalised).

    With ``minibatch_std``, the base grid gets one more channel (:func:`minibatch_std`).
    """

    def __init__(self, channels: int, plan: Plan, width: int, generator: torch.Generator, spectral: bool,
                 minibatch_std: bool = False) -> None:
        super().__init__()
        self.plan = plan
        widths = plan.channels(width)[::-1]  # width ... width * 2**(stages-1)
        wrap = (lambda layer: SpectralNorm(layer, generator)) if spectral else (lambda layer: layer)
        self.convs = nn.ModuleList(wrap(conv(a, b, 4, 2, 1, generator)) for a, b in zip([channels, *widths[:-1]], widths))
        self.minibatch_std = minibatch_std
        self.features = (widths[-1] + minibatch_std) * plan.base_h * plan.base_w

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        plan = self.plan
        pad_h, pad_w = plan.padded[0] - plan.height, plan.padded[1] - plan.width
        if pad_h or pad_w:
            x = F.pad(x, (0, pad_w, 0, pad_h))
        for layer in self.convs:
            x = F.leaky_relu(layer(x), 0.2)
        if self.minibatch_std:
            x = minibatch_std(x)
        return x.flatten(1)


def with_labels(images: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Images ``(n, C, H, W)`` with one more channel holding each item's class index (the critic's input)."""
    n, _, h, w = images.shape
    plane = labels.to(images.dtype).view(n, 1, 1, 1).expand(n, 1, h, w)
    return torch.cat([images, plane], dim=1)


class Critic(nn.Module):
    """Images (plus a label channel when ``n_classes``) -> one score per item; see the module docstring."""

    def __init__(self, channels: int, n_classes: int, plan: Plan, width: int, generator: torch.Generator,
                 spectral: bool = False, minibatch_std: bool = False) -> None:
        super().__init__()
        self.n_classes = n_classes
        self.trunk = Trunk(channels, plan, width, generator, spectral, minibatch_std)
        out = linear(self.trunk.features, 1, generator)
        self.out = SpectralNorm(out, generator) if spectral else out
        self.project = embedding(n_classes, self.trunk.features, generator) if n_classes else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.project is None:
            return self.out(self.trunk(x))
        labels = x[:, -1, 0, 0].round().long()
        h = self.trunk(x[:, :-1])
        return self.out(h) + (self.project(labels) * h).sum(dim=1, keepdim=True)


class Encoder(nn.Module):
    """Images (+ labels) -> ``(mu, log_var)`` of a ``latent_dim`` Gaussian: the critic's trunk, then two linear heads."""

    def __init__(self, channels: int, n_classes: int, plan: Plan, width: int, latent_dim: int,
                 generator: torch.Generator, embed_dim: int = 32) -> None:
        super().__init__()
        self.trunk = Trunk(channels, plan, width, generator, spectral=False)
        self.embed = embedding(n_classes, embed_dim, generator, std=1.0) if n_classes else None
        features = self.trunk.features + (embed_dim if n_classes else 0)
        self.mu = linear(features, latent_dim, generator)
        self.log_var = linear(features, latent_dim, generator)

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.trunk(x)
        if self.embed is not None:
            h = torch.cat([h, self.embed(labels)], dim=1)
        return self.mu(h), self.log_var(h)
