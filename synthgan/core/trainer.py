"""The epoch loop shared by the neural models: steps, on-device loss sums, history, callbacks.

Models own the maths (one optimisation step returns its logged scalars stacked in one
tensor); the trainer runs the steps, sums the scalars on the device and converts
them to Python floats once per epoch, so the step loop never waits for the device.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import torch

from synthgan.errors import ConfigError
from synthgan.core.callbacks import Callback
from synthgan.core.optim import Adam, RMSprop


def make_optimizer(
    kind: str,
    params: Iterable[torch.nn.Parameter],
    *,
    lr: float,
    betas: tuple[float, float] = (0.9, 0.999),
    weight_decay: float = 0.0,
) -> Adam | RMSprop:
    """``"adam"`` (Adam with L2 weight decay, as CTGAN uses) or ``"rmsprop"`` (the WGAN paper's choice)."""
    if kind == "adam":
        return Adam(params, lr=lr, betas=betas, weight_decay=weight_decay)
    if kind == "rmsprop":
        return RMSprop(params, lr=lr, weight_decay=weight_decay)
    raise ConfigError(f"optimizer must be 'adam' or 'rmsprop', got {kind!r}")


class Trainer:
    """Run ``epochs`` epochs of ``steps_per_epoch`` steps, logging and calling back once per epoch.

    Parameters
    ----------
    epochs : int
        Planned number of epochs (a callback may stop earlier).
    steps_per_epoch : int
        Calls of the step function per epoch.
    log_names : sequence of str
        Names of the scalars the step function returns, in order.
    callbacks : list of Callback, optional
    """

    def __init__(self, epochs: int, steps_per_epoch: int, log_names: Sequence[str], callbacks: list[Callback] | None = None) -> None:
        self.epochs = epochs
        self.steps_per_epoch = steps_per_epoch
        self.log_names = tuple(log_names)
        self.callbacks = list(callbacks or [])

    def run(self, model: Any, step: Callable[[], torch.Tensor], history: list[dict[str, float]] | None = None) -> list[dict[str, float]]:
        """Train; ``step()`` does one optimisation step and returns its scalars as a 1-D tensor.

        Sets ``model.history_`` as it goes (callbacks may read it) and returns it.
        ``history`` holds the epochs already done when resuming from a checkpoint:
        training continues at the next epoch.
        """
        history = list(history or [])
        model.history_ = history
        for cb in self.callbacks:
            cb.on_train_begin(model, self.epochs)
        try:
            for epoch in range(len(history) + 1, self.epochs + 1):
                started = time.perf_counter()
                total = step()
                for _ in range(self.steps_per_epoch - 1):
                    total = total + step()
                means = (total / self.steps_per_epoch).tolist()  # the only host sync of the epoch
                logs = {"epoch": float(epoch), **dict(zip(self.log_names, means))}
                logs["seconds"] = time.perf_counter() - started
                _check_finite(model, epoch, logs)
                history.append(logs)
                stop = [cb.on_epoch_end(model, epoch, logs) for cb in self.callbacks]
                if any(stop):
                    break
        finally:
            for cb in self.callbacks:
                cb.on_train_end(model)
        return history


def _check_finite(model: Any, epoch: int, logs: dict[str, float]) -> None:
    bad = [name for name, value in logs.items() if not math.isfinite(value)]
    if bad:
        name = getattr(model, "name", type(model).__name__)
        raise ConfigError(
            f"{name}: training diverged at epoch {epoch} ({', '.join(bad)} not finite); "
            "lower the learning rates or change the seed"
        )
