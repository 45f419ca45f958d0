"""DP-SGD on the networks that see real rows, through the trainer's hooks (no model edits).

:class:`DPSGD` wraps each network a model names in ``capabilities.private`` with opacus'
``GradSampleModule`` (per-example gradients) and its optimiser with ``DPOptimizer``
(each example's gradient clipped to ``max_grad_norm``, Gaussian noise of
``noise_multiplier x max_grad_norm`` added to the sum, divided by the expected batch), and
swaps the model's batches for Poisson sampling, which the accountant assumes.

:meth:`SGDPlan.solve` fixes the number of steps first (epochs x steps per epoch, as any
fit) and then finds the smallest noise that keeps statistics plus those steps within the
budget; the sampler refuses to draw a batch beyond them (:class:`~synthgan.errors.ConfigError`),
so training cannot overspend whatever a callback or a caller does.
"""

from __future__ import annotations

import contextlib
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from synthgan._random import torch_generator
from synthgan.core.batches import Batch, PoissonBatches
from synthgan.core.hooks import TrainingHooks
from synthgan.dp.accounting import PrivacyBudget
from synthgan.errors import ConfigError

__all__ = ["DPSGD", "SGDPlan"]


@dataclass(frozen=True)
class SGDPlan:
    """How DP-SGD runs: Poisson ``sample_rate``, ``steps``, ``noise_multiplier``, ``max_grad_norm``."""

    sample_rate: float
    steps: int
    noise_multiplier: float
    max_grad_norm: float
    expected_batch: int

    @classmethod
    def solve(cls, budget: PrivacyBudget, statistics_rdp: np.ndarray, n_items: int, batch_size: int, steps: int,
              max_grad_norm: float = 1.0) -> "SGDPlan":
        """The least noise that keeps the statistics and ``steps`` steps within ``budget``.

        Raises
        ------
        ConfigError
            Even very large noise cannot fit the steps in what the statistics left.
        """
        if n_items < 2:
            raise ConfigError(f"DP-SGD needs at least 2 rows, got {n_items}")
        batch = int(min(max(batch_size, 1), n_items))
        rate = batch / n_items
        low, high = 0.3, 200.0
        if budget.spent(statistics_rdp, rate, high, steps) > budget.epsilon:
            raise ConfigError(f"epsilon={budget.epsilon} is too small for {steps} DP-SGD steps at batch {batch} on "
                              f"{n_items} rows; raise epsilon, use fewer epochs or a smaller batch")
        if budget.spent(statistics_rdp, rate, low, steps) <= budget.epsilon:
            return cls(rate, int(steps), low, float(max_grad_norm), batch)
        for _ in range(40):  # bisection: epsilon falls as noise grows
            mid = float(np.sqrt(low * high))
            if budget.spent(statistics_rdp, rate, mid, steps) > budget.epsilon:
                low = mid
            else:
                high = mid
        return cls(rate, int(steps), high, float(max_grad_norm), batch)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class LimitedPoissonBatches(PoissonBatches):
    """Poisson batches that refuse to draw more than ``limit`` of them (the budget's steps)."""

    def __init__(self, n_items: int, rate: float, device: torch.device, limit: int) -> None:
        super().__init__(n_items, rate, device)
        self.limit, self.drawn = int(limit), 0

    def real_batch(self, generator: torch.Generator) -> Batch:
        if self.drawn >= self.limit:
            raise ConfigError(f"DP-SGD stopped: the privacy budget allows {self.limit} steps and all were taken")
        self.drawn += 1
        return super().real_batch(generator)


class DPSGD(TrainingHooks):
    """The trainer hooks of a DP fit (see the module docstring).

    Parameters
    ----------
    networks : tuple of str
        The networks that see real rows (``capabilities.private`` of the model).
    plan : SGDPlan
    seed : int
        Seed of the noise generator (reproducible fits; opacus' ``secure_mode`` is not used).
    """

    def __init__(self, networks: tuple[str, ...], plan: SGDPlan, seed: int) -> None:
        if not networks:
            raise ConfigError("DP-SGD needs the names of the networks that see real rows")
        self.networks = tuple(networks)
        self.plan = plan
        self.seed = seed
        self.sampler: LimitedPoissonBatches | None = None

    def wrap_network(self, name: str, network: nn.Module) -> nn.Module:
        if name not in self.networks:
            return network
        from opacus import GradSampleModule

        return GradSampleModule(network, loss_reduction="mean")

    def wrap_optimizer(self, name: str, optimizer: torch.optim.Optimizer, network: nn.Module) -> torch.optim.Optimizer:
        from opacus import GradSampleModule
        from opacus.optimizers import DPOptimizer

        if not isinstance(network, GradSampleModule):
            return optimizer
        device = next(network.parameters()).device
        return DPOptimizer(optimizer, noise_multiplier=self.plan.noise_multiplier, max_grad_norm=self.plan.max_grad_norm,
                           expected_batch_size=self.plan.expected_batch, loss_reduction="mean",
                           generator=torch_generator(self.seed, "dp-noise", device=device.type))

    def batch_sampler(self, sampler: Any, n_items: int) -> Any:
        self.sampler = LimitedPoissonBatches(n_items, self.plan.sample_rate, sampler.device, self.plan.steps)
        return self.sampler

    def frozen(self, name: str, network: nn.Module) -> contextlib.AbstractContextManager:
        return _paused(network) if name in self.networks else contextlib.nullcontext()

    @property
    def steps_taken(self) -> int:
        return 0 if self.sampler is None else self.sampler.drawn


@contextlib.contextmanager
def _paused(network: nn.Module):
    network.disable_hooks()  # a frozen private network scores generated items: no per-example gradients
    try:
        yield
    finally:
        network.enable_hooks()
