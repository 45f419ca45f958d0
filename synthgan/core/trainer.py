"""The one training loop every neural model uses, whatever its kind of data.

A model supplies networks (a dict of modules), the optimisers it wants
(:class:`OptimizerSpec`), a batch sampler and one step function; the :class:`Trainer`
wraps networks, optimisers and the sampler through :class:`~synthgan.core.hooks.TrainingHooks`
(DP-SGD, DistributedDataParallel, clipping), builds ``torch.optim`` optimisers, runs
the epochs, sums the step's logged scalars on the device (one host sync per epoch),
checks they stay finite, and calls the callbacks (progress, early stopping,
checkpoints). The step function reaches networks and optimisers only through the
:class:`TrainingContext`, so wrapped networks train without edits to model code.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from synthgan.core.callbacks import Callback
from synthgan.core.hooks import TrainingHooks, unwrap
from synthgan.core.optim import load_optimizer_tensors, make_optimizer, optimizer_tensors
from synthgan.errors import ConfigError


@dataclass(frozen=True)
class OptimizerSpec:
    """One optimiser a model asks for: the networks it updates and its settings."""

    networks: tuple[str, ...]
    kind: str = "adam"
    lr: float = 1e-3
    betas: tuple[float, float] = (0.9, 0.999)
    weight_decay: float = 0.0


def grad_norm(params: list[nn.Parameter]) -> torch.Tensor:
    """Global L2 norm of the gradients, as a device scalar (no host sync)."""
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return torch.zeros(())
    return torch.linalg.vector_norm(torch.stack(torch._foreach_norm(grads)))


class TrainingContext:
    """What a step function sees: (wrapped) networks, one ``update`` per optimiser, the batch sampler.

    Parameters
    ----------
    networks : dict of str to Module
        The model's own modules; wrapped here by the hooks.
    optimizers : dict of str to OptimizerSpec
    batch_sampler : BatchSampler
    generator : torch.Generator
        The fit's training generator (batches, noise, dropout).
    hooks : list of TrainingHooks, optional
    """

    def __init__(self, networks: dict[str, nn.Module], optimizers: dict[str, OptimizerSpec], batch_sampler: Any,
                 generator: torch.Generator, hooks: Sequence[TrainingHooks] = ()) -> None:
        self.hooks = list(hooks)
        self.generator = generator
        for hook in self.hooks:  # first: a DP optimiser needs the sampler's expected batch size
            batch_sampler = hook.batch_sampler(batch_sampler, getattr(batch_sampler, "n_items", 0))
        self.batch_sampler = batch_sampler
        self.raw_networks = dict(networks)
        self.networks = dict(networks)
        for hook in self.hooks:
            self.networks = {name: hook.wrap_network(name, net) for name, net in self.networks.items()}
        self.params: dict[str, list[nn.Parameter]] = {}
        self.optimizers: dict[str, torch.optim.Optimizer] = {}
        for name, spec in optimizers.items():
            params = [p for net in spec.networks for p in self.raw_networks[net].parameters()]
            optimizer = make_optimizer(spec.kind, params, lr=spec.lr, betas=spec.betas, weight_decay=spec.weight_decay)
            for hook in self.hooks:
                optimizer = hook.wrap_optimizer(name, optimizer, self.networks[spec.networks[0]])
            self.params[name], self.optimizers[name] = params, optimizer
        self._single_backward = any(h.single_backward for h in self.hooks)
        self._stepping = [h for h in self.hooks if type(h).before_optimizer_step is not TrainingHooks.before_optimizer_step]

    def update(self, name: str, *losses: torch.Tensor) -> torch.Tensor:
        """One step of optimiser ``name`` on the sum of ``losses``; returns the gradient norm (device scalar).

        Each loss is backpropagated on its own into the optimiser's parameters only
        (terms over disjoint graphs, such as a gradient penalty, then add up in place in
        ``.grad``), unless a hook asks for a single backward pass.
        """
        optimizer, params = self.optimizers[name], self.params[name]
        optimizer.zero_grad(set_to_none=True)
        if self._single_backward or len(losses) == 1:
            (losses[0] if len(losses) == 1 else sum(losses)).backward(inputs=params)
        else:
            for loss in losses:
                loss.backward(inputs=params)
        for hook in self._stepping:
            hook.before_optimizer_step(name, params)
        norm = grad_norm(params)
        optimizer.step()
        return norm

    @contextlib.contextmanager
    def frozen(self, name: str) -> Iterator[nn.Module]:
        """Network ``name`` unwrapped and with its parameters frozen, e.g. the critic scoring a generator step.

        Wrappers see nothing of it (no per-sample gradients, no gradient all-reduce), and
        no gradient is computed for its weights.
        """
        network = unwrap(self.networks[name])
        params = list(network.parameters())
        for p in params:
            p.requires_grad_(False)
        try:
            with contextlib.ExitStack() as paused:
                for hook in self.hooks:
                    paused.enter_context(hook.frozen(name, self.networks[name]))
                yield network
        finally:
            for p in params:
                p.requires_grad_(True)

    def sum_over_items(self, count: Callable[[slice], Any]) -> Any:
        """``count`` over all training items of all processes, or None when the hooks keep data local.

        ``count(items)`` computes a statistic (e.g. category counts) on the training items
        selected by the slice ``items``. In one process the model's own statistics already
        cover every item, so nothing is computed; a hook that splits the data (DDP) sums
        each process's share.
        """
        for hook in self.hooks:
            if getattr(type(hook), "sum_over_items", TrainingHooks.sum_over_items) is not TrainingHooks.sum_over_items:
                return hook.sum_over_items(count)
        return None

    def state_tensors(self) -> dict[str, torch.Tensor]:
        """Optimiser and sampler state for checkpoints."""
        state = {f"optimizer/{name}.{key}": value for name, opt in self.optimizers.items()
                 for key, value in optimizer_tensors(_inner_optimizer(opt)).items()}
        state.update({f"sampler/{key}": value for key, value in self.batch_sampler.state_tensors().items()})
        return state

    def load_state_tensors(self, tensors: dict[str, torch.Tensor]) -> None:
        """Restore :meth:`state_tensors`."""
        for name, opt in self.optimizers.items():
            prefix = f"optimizer/{name}."
            load_optimizer_tensors(_inner_optimizer(opt), {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)})
        self.batch_sampler.load_state_tensors({k[8:]: v for k, v in tensors.items() if k.startswith("sampler/")})

    def close(self) -> None:
        for hook in self.hooks:
            hook.on_train_end()


def _inner_optimizer(optimizer: Any) -> torch.optim.Optimizer:
    # opacus' DPOptimizer keeps the wrapped optimiser's state in ``original_optimizer``
    return getattr(optimizer, "original_optimizer", optimizer)


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
        deadlines = [d for d in (getattr(cb, "deadline", lambda: None)() for cb in self.callbacks) if d is not None]
        deadline = min(deadlines) if deadlines else math.inf  # e.g. max_time: a limit, not a hint
        try:
            for epoch in range(len(history) + 1, self.epochs + 1):
                started = time.perf_counter()
                total, done = step(), 1
                while done < self.steps_per_epoch and time.perf_counter() < deadline:  # a clock read, no host sync
                    total, done = total + step(), done + 1
                means = (total / done).tolist()  # the only host sync of the epoch
                logs = {"epoch": float(epoch), **dict(zip(self.log_names, means))}
                logs["seconds"] = time.perf_counter() - started
                _check_finite(model, epoch, logs)
                history.append(logs)
                stop = [cb.on_epoch_end(model, epoch, logs) for cb in self.callbacks]
                if any(stop) or time.perf_counter() >= deadline:
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
