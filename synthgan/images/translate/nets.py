"""The networks of unpaired image-to-image translation (CycleGAN, Zhu et al. 2017), sized for 8 to 64 pixels.

* :class:`TranslationGenerator`: an image of one domain -> an image of the other, same height
  and width, channels may differ (grey 1 -> colour 3 and back). A small ResNet-style
  encoder/decoder: ``conv 5x5`` at full resolution, one ``conv 4x4 stride 2`` halving,
  ``blocks`` residual blocks (two ``conv 3x3`` each) at half resolution, a
  ``ConvTranspose 4x4 stride 2`` back up and a ``conv 5x5`` to the output channels, ``tanh``.
  Instance norm (affine) and ReLU between layers, as in CycleGAN; reflection padding. One
  halving only: a translation moves colour and texture, not shapes, so the generator keeps
  the geometry (the receptive field, about 30 pixels at the default 2 blocks, spans a
  28-pixel digit). Odd sizes are padded (reflection) to even and the output cropped.
* :class:`PatchCritic`: PatchGAN (Isola et al. 2017): ``conv 4x4 stride 2`` twice, then two
  ``conv 3x3``, LeakyReLU(0.2), one score per patch (a 7x7 map for 28x28 images, each
  seeing about 22x22 pixels), no normalisation; optionally every layer spectrally
  normalised (:class:`~synthgan.core.conv_nets.SpectralNorm`).

Every network depends on its own image only (instance norm has no running statistics), so a
translated image does not depend on its batch. Weights come from the given
``torch.Generator`` (normal, std 0.02, as CycleGAN), never from torch's global random state.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from synthgan.core.conv_nets import SpectralNorm, conv

__all__ = ["PatchCritic", "TranslationGenerator"]


def _norm(channels: int) -> nn.InstanceNorm2d:
    return nn.InstanceNorm2d(channels, affine=True)


class ResidualBlock(nn.Module):
    """``x + conv3(relu(norm(conv3(x))))`` with instance norm after each convolution."""

    def __init__(self, channels: int, generator: torch.Generator) -> None:
        super().__init__()
        self.conv1 = conv(channels, channels, 3, 1, 0, generator, bias=False)
        self.norm1 = _norm(channels)
        self.conv2 = conv(channels, channels, 3, 1, 0, generator, bias=False)
        self.norm2 = _norm(channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = F.relu(self.norm1(self.conv1(F.pad(x, (1, 1, 1, 1), mode="reflect"))))
        return x + self.norm2(self.conv2(F.pad(h, (1, 1, 1, 1), mode="reflect")))


class TranslationGenerator(nn.Module):
    """Images ``(n, c_in, H, W)`` in [-1, 1] -> ``(n, c_out, H, W)`` in [-1, 1]; see the module docstring.

    Parameters
    ----------
    c_in, c_out : int
        Channels of the input and output domains.
    width : int
        Channels at full resolution (twice that at half resolution).
    blocks : int
        Residual blocks at half resolution.
    generator : torch.Generator
        Draws the initial weights.
    """

    def __init__(self, c_in: int, c_out: int, width: int, blocks: int, generator: torch.Generator) -> None:
        super().__init__()
        w2 = 2 * width
        self.stem = conv(c_in, width, 5, 1, 0, generator, bias=False)
        self.stem_norm = _norm(width)
        self.down = conv(width, w2, 4, 2, 1, generator, bias=False)
        self.down_norm = _norm(w2)
        self.blocks = nn.ModuleList(ResidualBlock(w2, generator) for _ in range(blocks))
        self.up = conv(w2, width, 4, 2, 1, generator, transposed=True, bias=False)
        self.up_norm = _norm(width)
        self.head = conv(width, c_out, 5, 1, 0, generator)
        _unit_gains(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        height, width = x.shape[2:]
        pad_h, pad_w = height % 2, width % 2
        if pad_h or pad_w:
            x = F.pad(x, (0, pad_w, 0, pad_h), mode="replicate")
        h = F.relu(self.stem_norm(self.stem(F.pad(x, (2, 2, 2, 2), mode="reflect"))))
        h = F.relu(self.down_norm(self.down(h)))
        for block in self.blocks:
            h = block(h)
        h = F.relu(self.up_norm(self.up(h)))
        out = torch.tanh(self.head(F.pad(h, (2, 2, 2, 2), mode="reflect")))
        return out[:, :, :height, :width]


class PatchCritic(nn.Module):
    """Images ``(n, c, H, W)`` -> patch scores ``(n, 1, H/4, W/4)``; see the module docstring."""

    def __init__(self, channels: int, width: int, generator: torch.Generator, spectral: bool = False) -> None:
        super().__init__()
        wrap = (lambda layer: SpectralNorm(layer, generator)) if spectral else (lambda layer: layer)
        self.layers = nn.ModuleList([
            wrap(conv(channels, width, 4, 2, 1, generator)),
            wrap(conv(width, 2 * width, 4, 2, 1, generator)),
            wrap(conv(2 * width, 4 * width, 3, 1, 1, generator)),
        ])
        self.out = wrap(conv(4 * width, 1, 3, 1, 1, generator))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.layers:
            x = F.leaky_relu(layer(x), 0.2)
        return self.out(x)


def _unit_gains(module: nn.Module) -> None:
    """Instance-norm gains 1 and biases 0 (``skip_init`` elsewhere leaves memory uninitialised; these are built plainly)."""
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, nn.InstanceNorm2d) and m.affine:
                m.weight.fill_(1.0)
                m.bias.zero_()
