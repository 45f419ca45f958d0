"""``torch.optim`` optimisers for the trainer, and their state as flat named tensors for checkpoints.

The trainer builds real :class:`torch.optim.Optimizer` objects, so wrappers made for them
work unchanged: opacus' ``DPOptimizer`` (DP-SGD), learning-rate schedulers, ZeRO. Adam uses
the fused kernel where the device has one (CPU and CUDA, float32), RMSprop the
``foreach`` implementation.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch

from synthgan.errors import ConfigError, ModelFileError

OPTIMIZERS = ("adam", "rmsprop")


def make_optimizer(
    kind: str,
    params: Iterable[torch.nn.Parameter],
    *,
    lr: float,
    betas: tuple[float, float] = (0.9, 0.999),
    weight_decay: float = 0.0,
) -> torch.optim.Optimizer:
    """``"adam"`` (Adam with L2 weight decay, as CTGAN uses) or ``"rmsprop"`` (the WGAN paper's choice, alpha 0.99)."""
    params = list(params)
    if kind == "adam":
        fused = all(p.dtype == torch.float32 and p.device.type in ("cpu", "cuda") for p in params)
        return torch.optim.Adam(params, lr=lr, betas=tuple(betas), weight_decay=weight_decay, fused=fused or None)
    if kind == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, alpha=0.99, eps=1e-8, weight_decay=weight_decay, foreach=True)
    raise ConfigError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, got {kind!r}")


def optimizer_tensors(optimizer: torch.optim.Optimizer) -> dict[str, torch.Tensor]:
    """The optimiser's per-parameter state as ``{"<param index>.<key>": tensor}`` (moments, step counts)."""
    out = {}
    for index, state in optimizer.state_dict()["state"].items():
        for key, value in state.items():
            out[f"{index}.{key}"] = value if torch.is_tensor(value) else torch.tensor(value)
    return out


def load_optimizer_tensors(optimizer: torch.optim.Optimizer, tensors: dict[str, torch.Tensor]) -> None:
    """Restore what :func:`optimizer_tensors` returned into an optimiser over the same parameters."""
    state_dict = optimizer.state_dict()
    state: dict[int, dict[str, torch.Tensor]] = {}
    for name, value in tensors.items():
        index, _, key = name.partition(".")
        if not index.isdigit() or not key:
            raise ModelFileError(f"optimiser state entry {name!r} is not '<param>.<key>'; the checkpoint is damaged, delete it")
        state.setdefault(int(index), {})[key] = value
    state_dict["state"] = state
    optimizer.load_state_dict(state_dict)
