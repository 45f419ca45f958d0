"""Classic augmentation: a random affine transformation per image, drawn on the fly for every batch.

Each image of a batch gets its own rotation, scale, shear and translation, drawn from a
seeded ``torch.Generator``; the whole batch is warped at once with
:func:`torch.nn.functional.affine_grid` and :func:`~torch.nn.functional.grid_sample`
(bilinear, no Python loop over images). Pixels that come from outside the image are filled
with the background value, -1 in the networks' [-1, 1] convention (black). The defaults
are the usual ones for handwritten digits (e.g. Simard et al. 2003's distortions without
the elastic part): up to 15 degrees of rotation, 10 % translation, 0.9 to 1.1 scale and
10 degrees of shear.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from synthgan.errors import ConfigError

__all__ = ["RandomAffine"]


@dataclass(frozen=True)
class RandomAffine:
    """Random rotation, translation, scale and shear, one draw per image.

    Parameters
    ----------
    rotation : float, default=15.0
        Largest rotation, degrees, either way.
    translation : float, default=0.1
        Largest shift, as a share of the side, each axis, either way.
    scale : (float, float), default=(0.9, 1.1)
        Range of the zoom factor.
    shear : float, default=10.0
        Largest horizontal shear, degrees, either way.
    background : float, default=-1.0
        Value of pixels moved in from outside the image.
    """

    rotation: float = 15.0
    translation: float = 0.1
    scale: tuple[float, float] = (0.9, 1.1)
    shear: float = 10.0
    background: float = -1.0

    def __post_init__(self) -> None:
        for name in ("rotation", "translation", "shear"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 <= value < 90:
                raise ConfigError(f"RandomAffine: {name} must be a number in [0, 90), got {value!r}")
        low, high = self.scale
        if not 0 < low <= high:
            raise ConfigError(f"RandomAffine: scale must be (low, high) with 0 < low <= high, got {self.scale!r}")

    def matrices(self, n: int, generator: torch.Generator, device: torch.device | str = "cpu") -> torch.Tensor:
        """``(n, 2, 3)`` affine matrices in ``affine_grid``'s normalised coordinates (output -> input)."""
        u = torch.rand(n, 5, generator=generator, device=device) * 2.0 - 1.0  # one row of draws per image
        angle = u[:, 0] * math.radians(self.rotation)
        shear = u[:, 1] * math.radians(self.shear)
        low, high = self.scale
        zoom = low + (u[:, 2] + 1.0) / 2.0 * (high - low)
        shift = u[:, 3:5] * 2.0 * self.translation  # a share of the side is twice that in [-1, 1] coordinates
        cos, sin, tan = torch.cos(angle), torch.sin(angle), torch.tan(shear)
        # forward map: rotate (shear) (scale); grid_sample wants its inverse, so build that and invert
        a = torch.stack([torch.stack([cos, cos * tan - sin], 1), torch.stack([sin, sin * tan + cos], 1)], 1)
        a = a * zoom.view(n, 1, 1)
        inverse = torch.linalg.inv(a)
        offset = -(inverse @ shift.unsqueeze(2))
        return torch.cat([inverse, offset], dim=2)

    def __call__(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """Images ``(n, C, H, W)`` (float, in [-1, 1]) each warped by its own random transformation.

        ``generator`` must live on ``x``'s device; shape, dtype and value range are kept.
        """
        n = x.shape[0]
        if n == 0:
            return x
        theta = self.matrices(n, generator, x.device).to(x.dtype)
        grid = F.affine_grid(theta, list(x.shape), align_corners=False)
        # zeros padding of (x - background) puts the background value outside the image
        warped = F.grid_sample(x - self.background, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
        return warped + self.background
