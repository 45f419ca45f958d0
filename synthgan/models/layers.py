"""Network building blocks whose randomness comes only from a given ``torch.Generator``.

``nn.Linear``'s default initialisation and ``nn.Dropout`` draw from torch's global
generator; here weights are created uninitialised (``skip_init``) and filled from
the model's own generator, and the critic draws its dropout masks from a generator
it is given, so training never reads or advances global random state.
"""

from __future__ import annotations

import math

import torch
from torch import nn


def seeded_linear(in_features: int, out_features: int, generator: torch.Generator) -> nn.Linear:
    """An ``nn.Linear`` initialised like PyTorch's default (U(-1/sqrt(fan_in), 1/sqrt(fan_in))) from ``generator``."""
    layer = nn.utils.skip_init(nn.Linear, in_features, out_features)
    bound = 1.0 / math.sqrt(in_features)
    with torch.no_grad():
        layer.weight.uniform_(-bound, bound, generator=generator)
        layer.bias.uniform_(-bound, bound, generator=generator)
    return layer


class Residual(nn.Module):
    """CTGAN's block: ``cat([relu(bn(fc(x))), x])``, so every layer sees all earlier features."""

    def __init__(self, in_features: int, out_features: int, generator: torch.Generator) -> None:
        super().__init__()
        self.fc = seeded_linear(in_features, out_features, generator)
        self.bn = nn.BatchNorm1d(out_features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([torch.relu(self.bn(self.fc(x))), x], dim=1)


class ResidualGenerator(nn.Module):
    """Noise (plus conditional vector) -> residual blocks -> one linear layer to the encoded width (raw logits)."""

    def __init__(self, in_features: int, hidden: tuple[int, ...], out_features: int, generator: torch.Generator) -> None:
        super().__init__()
        blocks, width = [], in_features
        for size in hidden:
            blocks.append(Residual(width, size, generator))
            width += size
        self.blocks = nn.Sequential(*blocks)
        self.out = seeded_linear(width, out_features, generator)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training or torch.is_grad_enabled():
            return self.out(self.blocks(x))
        return self._inference_forward(x)

    def _inference_forward(self, x: torch.Tensor) -> torch.Tensor:
        """The same function for sampling, without BatchNorm passes or concatenations.

        In eval mode each BatchNorm is an affine map, folded into its linear layer; and
        ``fc(cat([r_k, ..., r_1, x]))`` is computed as a sum of one matrix product per
        part, accumulated in place, so the ever-wider concatenated activations are never
        copied. On Adult this makes sampling about 1.4x faster; outputs agree with
        :meth:`forward` in train-graph form to float32 rounding.
        """
        parts = [x]  # newest first, the column order of every concatenation
        for block in self.blocks:
            bn = block.bn
            scale = bn.weight * torch.rsqrt(bn.running_var + bn.eps)
            weight = block.fc.weight * scale[:, None]
            bias = (block.fc.bias - bn.running_mean) * scale + bn.bias
            parts.insert(0, torch.relu_(_sum_of_products(parts, weight, bias)))
        return _sum_of_products(parts, self.out.weight, self.out.bias)


def _sum_of_products(parts: list[torch.Tensor], weight: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    """``cat(parts, dim=1) @ weight.T + bias`` without building the concatenation."""
    start = 0
    out = None
    for part in parts:
        end = start + part.shape[1]
        block = weight[:, start:end].t()
        out = torch.addmm(bias, part, block) if out is None else out.addmm_(part, block)
        start = end
    return out


class PacCritic(nn.Module):
    """PacGAN critic: ``pac`` consecutive rows are judged together as one sample.

    Linear -> LeakyReLU(0.2) -> dropout per hidden layer, then one linear output.
    LeakyReLU and dropout are applied as one multiplication by a mask that does not
    require grad: the same values and gradients, but the gradient penalty's double
    backward no longer pushes zeros back through the forward pass (the second
    derivative of LeakyReLU is 0), which saves about 40M multiply-adds per step on Adult.
    """

    def __init__(
        self,
        in_features: int,
        hidden: tuple[int, ...],
        pac: int,
        dropout: float,
        generator: torch.Generator,
        dropout_generator: torch.Generator | None,
    ) -> None:
        super().__init__()
        self.pac = pac
        self.packed_width = in_features * pac
        widths = (self.packed_width, *hidden)
        self.hidden = nn.ModuleList(seeded_linear(a, b, generator) for a, b in zip(widths[:-1], widths[1:]))
        self.out = seeded_linear(widths[-1], 1, generator)
        self.dropout = dropout
        self.dropout_generator = dropout_generator  # not state: rebuilt models only sample

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = x.reshape(-1, self.packed_width)
        for layer in self.hidden:
            z = layer(h)
            mask = torch.where(z > 0, 1.0, 0.2)
            if self.training and self.dropout > 0.0:
                keep = torch.rand(z.shape, generator=self.dropout_generator, device=z.device, dtype=z.dtype).ge_(self.dropout)
                mask = mask.mul_(keep).mul_(1.0 / (1.0 - self.dropout))
            h = z * mask
        return self.out(h)


class MLP(nn.Module):
    """Linear -> ReLU layers (the TVAE encoder/decoder trunk), seeded."""

    def __init__(self, in_features: int, hidden: tuple[int, ...], generator: torch.Generator) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        width = in_features
        for size in hidden:
            layers += [seeded_linear(width, size, generator), nn.ReLU()]
            width = size
        self.net = nn.Sequential(*layers)
        self.out_features = width

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def gumbel_noise(like: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Standard Gumbel noise shaped like ``like``: ``-log(-log(U))`` (3x faster than ``exponential_`` on CPU)."""
    u = torch.rand(like.shape, generator=generator, device=like.device, dtype=like.dtype)
    return u.clamp_min_(1e-30).log_().neg_().log_().neg_()
