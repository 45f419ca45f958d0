"""Differentiable augmentation of the critic's input (DiffAugment, Zhao et al. 2020), for GANs on few images.

With a few hundred training images a critic memorises them within a few hundred steps and
the generator's signal collapses. DiffAugment applies the same kind of random, differentiable
transformations to real **and** fake images every time the critic sees them, in the critic's
steps and in the generator's, so the critic cannot memorise the real set while the generator
still learns the un-augmented distribution (the augmentation is part of the critic's view,
never of the generator's output).

Policies, named in a comma-separated string such as ``"translation,cutout"`` (the paper's
choice for small data sets):

* ``translation``: each image moved by its own integer offset of up to 1/8 of its side,
  each way, the uncovered border filled with 0 (mid-grey in [-1, 1] pixels);
* ``cutout``: a square of half the image's side, at a random place, set to 0;
* ``color``: brightness (+U(-0.5, 0.5)), saturation (x U(0, 2) around the channel mean; no
  effect on grey images) and contrast (x U(0.5, 1.5) around the image mean).

Every draw comes from the ``torch.Generator`` passed in; all of it is vectorised over the batch.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from synthgan.errors import ConfigError

__all__ = ["POLICIES", "check_policy", "diff_augment", "parse_policy"]

POLICIES = ("translation", "cutout", "color")
TRANSLATION = 0.125  # largest offset, as a share of the side
CUTOUT = 0.5  # side of the cut square, as a share of the image's side


def parse_policy(value: Any) -> tuple[str, ...]:
    """``"cutout, translation"`` -> ``("translation", "cutout")`` (the order they are applied in); None or ``""`` -> ``()``."""
    if value is None:
        return ()
    if not isinstance(value, str):
        raise ConfigError(f"diff_augment must be a comma-separated string of {', '.join(POLICIES)} or None, got {value!r}; "
                          "pass e.g. diff_augment='translation,cutout'")
    names = tuple(part.strip() for part in value.split(",") if part.strip())
    unknown = [name for name in names if name not in POLICIES]
    if unknown:
        raise ConfigError(f"diff_augment: unknown policy {unknown[0]!r}; choose from {', '.join(POLICIES)} "
                          "(e.g. diff_augment='translation,cutout')")
    return tuple(name for name in POLICIES if name in names)


def check_policy(model: str, arg: str, value: Any) -> str | None:
    """The model-option checker: a policy string in its canonical order, or None for no augmentation."""
    return ",".join(parse_policy(value)) or None


def _uniform(n: int, low: float, high: float, like: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    return torch.rand(n, 1, 1, 1, generator=generator, device=like.device, dtype=like.dtype) * (high - low) + low


def _color(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    n = x.shape[0]
    x = x + _uniform(n, -0.5, 0.5, x, generator)
    mean = x.mean(dim=1, keepdim=True)
    x = (x - mean) * _uniform(n, 0.0, 2.0, x, generator) + mean
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    return (x - mean) * _uniform(n, 0.5, 1.5, x, generator) + mean


def _translation(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    n, c, h, w = x.shape
    sy, sx = max(1, int(h * TRANSLATION + 0.5)), max(1, int(w * TRANSLATION + 0.5))
    dy = torch.randint(-sy, sy + 1, (n, 1, 1), generator=generator, device=x.device)
    dx = torch.randint(-sx, sx + 1, (n, 1, 1), generator=generator, device=x.device)
    rows = (torch.arange(h, device=x.device).view(1, h, 1) + dy + 1).clamp(0, h + 1)  # index into a 1-pixel zero border
    cols = (torch.arange(w, device=x.device).view(1, 1, w) + dx + 1).clamp(0, w + 1)
    padded = F.pad(x, (1, 1, 1, 1))
    flat = padded.permute(0, 2, 3, 1)  # (n, h + 2, w + 2, c)
    index = torch.arange(n, device=x.device).view(n, 1, 1)
    return flat[index, rows, cols].permute(0, 3, 1, 2).contiguous()


def _cutout(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    n, _, h, w = x.shape
    ch, cw = int(h * CUTOUT + 0.5), int(w * CUTOUT + 0.5)
    top = torch.randint(0, h + (1 - ch % 2), (n, 1, 1), generator=generator, device=x.device) - ch // 2
    left = torch.randint(0, w + (1 - cw % 2), (n, 1, 1), generator=generator, device=x.device) - cw // 2
    rows = torch.arange(h, device=x.device).view(1, h, 1)
    cols = torch.arange(w, device=x.device).view(1, 1, w)
    inside = (rows >= top) & (rows < top + ch) & (cols >= left) & (cols < left + cw)  # (n, h, w)
    return x * (~inside).unsqueeze(1).to(x.dtype)


_APPLY = {"translation": _translation, "cutout": _cutout, "color": _color}


def diff_augment(x: torch.Tensor, policy: tuple[str, ...], generator: torch.Generator) -> torch.Tensor:
    """Images ``(n, C, H, W)`` with the ``policy``'s transformations applied, each image drawn on its own."""
    for name in POLICIES:  # a fixed order, whatever the order given
        if name in policy:
            x = _APPLY[name](x, generator)
    return x
