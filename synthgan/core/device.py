"""Turn a ``device`` argument into a :class:`torch.device` (``"auto"`` prefers CUDA)."""

from __future__ import annotations

import torch

from synthgan.errors import ConfigError


def resolve_device(device: str, *, model: str = "model") -> torch.device:
    """``"auto"`` -> ``cuda`` when available, else ``cpu``; ``"cpu"``/``"cuda[:i]"`` as given.

    Raises
    ------
    ConfigError
        The name is not a torch device, or CUDA was asked for but is not available.
    """
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ConfigError(f"{model}: 'device' must be 'auto', 'cpu' or 'cuda', got {device!r}; pass device='auto'") from exc
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ConfigError(f"{model}: device={device!r} was asked for but CUDA is not available here; pass device='auto' or 'cpu'")
    if resolved.type not in ("cpu", "cuda"):
        raise ConfigError(f"{model}: device type {resolved.type!r} is not supported; pass device='auto', 'cpu' or 'cuda'")
    return resolved
