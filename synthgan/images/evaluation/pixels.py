"""Pixels in the file convention -> [0, 1] arrays (the pixel metrics) and [-1, 1] tensors (the feature network).

Images come as ``(N, H, W)`` or ``(N, H, W, C)`` arrays of any integer or float dtype (the
convention of :mod:`synthgan.images.io`); the networks take float NCHW tensors in [-1, 1].
"""

from __future__ import annotations

from typing import Any

import numpy as np

from synthgan.errors import ConfigError, DataValidationError

MAX_SIDE = 32
MIN_SIDE = 8


def as_unit_float(images: np.ndarray, value_range: tuple[float, float] | None = None, *,
                  where: str = "images") -> np.ndarray:
    """Images in the file convention -> float32 ``(N, H, W, C)`` in [0, 1].

    Parameters
    ----------
    images : ndarray
        ``(N, H, W)`` or ``(N, H, W, C)`` with ``C`` in 1, 3, 4 (an alpha channel is dropped).
    value_range : (low, high), optional
        The pixel values meaning black and white. By default: unsigned/signed integers within
        [0, 255] (uint8 included) are divided by 255, other integers by their dtype's maximum;
        floats within [0, 1] are kept, floats within [-1, 1] (some below 0) are mapped from
        [-1, 1], floats within [0, 255] are divided by 255.
    where : str
        Names the input in errors.
    """
    x = np.asarray(images)
    if x.ndim == 3:
        x = x[..., None]
    if x.ndim != 4 or x.shape[3] not in (1, 3, 4):
        raise DataValidationError(f"{where}: images must have shape (N, H, W) or (N, H, W, C) with C = 1, 3 or 4, "
                                  f"got {np.shape(images)}")
    if x.dtype.kind not in "uif":
        raise DataValidationError(f"{where}: images must hold numbers, got dtype {x.dtype}")
    if x.shape[3] == 4:
        x = x[..., :3]
    if value_range is None:
        low, high = float(x.min()), float(x.max())
        if x.dtype.kind in "iu":
            value_range = (0.0, 255.0) if low >= 0 and high <= 255 else (0.0, float(np.iinfo(x.dtype).max))
        elif low >= 0.0 and high <= 1.0:
            value_range = (0.0, 1.0)
        elif low >= -1.0 and high <= 1.0:
            value_range = (-1.0, 1.0)
        elif low >= 0.0 and high <= 255.0:
            value_range = (0.0, 255.0)
        else:
            raise DataValidationError(f"{where}: float pixel values run from {low:g} to {high:g}, outside [0, 1], "
                                      "[-1, 1] and [0, 255]; rescale them or give value_range=(black, white)")
    lo, hi = map(float, value_range)
    if not hi > lo:
        raise ConfigError(f"value_range must be (black, white) with white > black, got {value_range!r}")
    return np.clip((x.astype(np.float32) - lo) / (hi - lo), 0.0, 1.0)


def to_network_input(images: Any, value_range: tuple[float, float] | None = None, *, where: str = "images"):
    """Images as the network takes them: float32 NCHW tensor in [-1, 1], square, 8 to 32 pixels a side.

    A ``torch.Tensor`` is taken to be float NCHW in [-1, 1] already (the models' convention);
    an ndarray is in the file convention (see :func:`as_unit_float`). Grey images have one
    channel, colour images three.
    Images that are not square, or not 8 to 32 pixels a side, are resized to 32x32 (area
    averaging when shrinking, bilinear otherwise).
    """
    import torch
    import torch.nn.functional as F

    if isinstance(images, torch.Tensor):
        if images.ndim != 4 or images.shape[1] not in (1, 3):
            raise DataValidationError(f"{where}: a tensor must be float NCHW with C = 1 or 3, "
                                      f"got {tuple(images.shape)}")
        x = images.detach().to(device="cpu", dtype=torch.float32)
    else:
        x = torch.from_numpy(as_unit_float(images, value_range, where=where)).permute(0, 3, 1, 2).mul_(2.0).sub_(1.0)
    h, w = x.shape[2:]
    if h != w or not MIN_SIDE <= h <= MAX_SIDE:
        x = F.interpolate(x, size=(MAX_SIDE, MAX_SIDE), mode="area" if min(h, w) >= MAX_SIDE else "bilinear")
    return x.contiguous()
