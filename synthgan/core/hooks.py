"""Seams around training for what must not touch model code: DP-SGD, distributed data parallel, clipping.

The trainer asks every :class:`TrainingHooks` in turn to wrap each network (e.g. opacus'
``GradSampleModule``, torch's ``DistributedDataParallel``), each optimiser (opacus'
``DPOptimizer``) and the batch sampler (Poisson sampling), and calls
:meth:`TrainingHooks.before_optimizer_step` between backward and step (gradient clipping).
Models reach networks through the trainer, so they train the wrapped ones unchanged.
"""

from __future__ import annotations

import contextlib
from typing import Any

import torch
from torch import nn


def unwrap(network: nn.Module) -> nn.Module:
    """The model's own module inside wrappers (``DistributedDataParallel.module``, opacus' ``_module``)."""
    while True:
        inner = next((m for m in (getattr(network, "module", None), getattr(network, "_module", None))
                      if isinstance(m, nn.Module)), None)
        if inner is None:
            return network
        network = inner


class TrainingHooks:
    """Base class: override what you need; every method leaves things as they are by default.

    Attributes
    ----------
    single_backward : bool
        Backpropagate a step's loss terms as one sum instead of one pass each (wrappers
        such as DDP expect each parameter's gradient to arrive once per step).
    """

    single_backward: bool = False

    def wrap_network(self, name: str, network: nn.Module) -> nn.Module:
        """Return the module training should run for network ``name`` ("generator", "critic", ...)."""
        return network

    def wrap_optimizer(self, name: str, optimizer: torch.optim.Optimizer, network: nn.Module) -> torch.optim.Optimizer:
        """Return the optimiser to step for ``name``; ``network`` is the (wrapped) module it updates."""
        return optimizer

    def batch_sampler(self, sampler: Any, n_items: int) -> Any:
        """Return the batch sampler to use instead of the model's ``sampler``."""
        return sampler

    def before_optimizer_step(self, name: str, parameters: list[nn.Parameter]) -> None:
        """Called after backward and before the optimiser step of ``name`` (gradients are in ``.grad``)."""

    def frozen(self, name: str, network: nn.Module) -> contextlib.AbstractContextManager:
        """A context while network ``name`` is used frozen (e.g. the critic scoring a generator step):
        wrappers that act on every backward pass pause here (opacus: ``disable_hooks``)."""
        return contextlib.nullcontext()

    def sum_over_items(self, count: Any) -> Any:
        """State learned from the data outside the networks (e.g. category counts), made global.

        ``count(items)`` returns an array computed on the training items selected by the
        slice ``items``; the default is the count over all of them. Under DDP: the sum of
        each rank's count over the items it owns.
        """
        return count(slice(None))

    def on_train_end(self) -> None:
        """Called once when training ends (release what the hooks hold)."""


class GradientClipping(TrainingHooks):
    """Clip the global gradient norm of the named optimisers' parameters to ``max_norm``."""

    def __init__(self, max_norm: float, names: tuple[str, ...] | None = None) -> None:
        self.max_norm = max_norm
        self.names = names

    def before_optimizer_step(self, name: str, parameters: list[nn.Parameter]) -> None:
        if self.names is None or name in self.names:
            torch.nn.utils.clip_grad_norm_(parameters, self.max_norm, foreach=True)
