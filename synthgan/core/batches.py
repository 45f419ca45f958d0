"""Batch samplers: which items each training step sees, pluggable so DP can use Poisson sampling.

A sampler draws from the training generator it is given, so a fit stays a function of
its seed, and exposes its state as tensors for exact checkpoint resume. Models pick a
default (:class:`ShuffledBatches` for a VAE, the tables' training-by-sampling for CTGAN);
:class:`~synthgan.core.hooks.TrainingHooks` may swap in another (:class:`PoissonBatches`).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass
class Batch:
    """Items of one step: ``rows`` indexes the training tensors; ``vectors`` are optional conditions."""

    rows: torch.Tensor | None
    vectors: torch.Tensor | None = None


class BatchSampler:
    """Base: ``real_batch`` for steps that read data, ``condition_batch`` for generator steps."""

    def real_batch(self, generator: torch.Generator) -> Batch:
        raise NotImplementedError

    def condition_batch(self, generator: torch.Generator) -> Batch:
        """The conditions a generator step asks for (no data rows); none by default."""
        return Batch(None, torch.zeros(self.batch_size, 0, device=self.device))

    def state_tensors(self) -> dict[str, torch.Tensor]:
        return {}

    def load_state_tensors(self, tensors: dict[str, torch.Tensor]) -> None:
        """Restore :meth:`state_tensors` (checkpoint resume)."""


class UniformBatches(BatchSampler):
    """``batch_size`` items drawn uniformly with replacement at every step."""

    def __init__(self, n_items: int, batch_size: int, device: torch.device) -> None:
        self.n_items, self.batch_size, self.device = n_items, batch_size, device

    def real_batch(self, generator: torch.Generator) -> Batch:
        rows = torch.randint(0, self.n_items, (self.batch_size,), generator=generator, device=self.device)
        return Batch(rows, torch.zeros(self.batch_size, 0, device=self.device))


class ShuffledBatches(BatchSampler):
    """Epochs over a fresh permutation: ``batch_size`` items per step, reshuffled when too few are left."""

    def __init__(self, n_items: int, batch_size: int, device: torch.device, generator: torch.Generator) -> None:
        self.n_items, self.batch_size, self.device = n_items, min(batch_size, n_items), device
        self._perm = torch.randperm(n_items, generator=generator, device=device)
        self._pos = 0

    def real_batch(self, generator: torch.Generator) -> Batch:
        if self._pos + self.batch_size > self.n_items:  # a fresh shuffle each pass over the data
            self._perm, self._pos = torch.randperm(self.n_items, generator=generator, device=self.device), 0
        rows = self._perm[self._pos : self._pos + self.batch_size]
        self._pos += self.batch_size
        return Batch(rows)

    def state_tensors(self) -> dict[str, torch.Tensor]:
        return {"order": self._perm, "order_position": torch.tensor(self._pos)}

    def load_state_tensors(self, tensors: dict[str, torch.Tensor]) -> None:
        self._perm = tensors["order"].to(self.device)
        self._pos = int(tensors["order_position"])


class PoissonBatches(BatchSampler):
    """Each item joins a step's batch independently with probability ``rate`` (DP-SGD's sampling).

    Batches vary in size (``rate x n_items`` on average); privacy accountants assume
    exactly this sampling.
    """

    def __init__(self, n_items: int, rate: float, device: torch.device) -> None:
        if not 0.0 < rate <= 1.0:
            raise ValueError(f"Poisson sampling rate must be in (0, 1], got {rate}")
        self.n_items, self.rate, self.device = n_items, rate, device
        self.batch_size = max(1, round(rate * n_items))  # expected size, for generator steps

    def real_batch(self, generator: torch.Generator) -> Batch:
        keep = torch.rand(self.n_items, generator=generator, device=self.device) < self.rate
        rows = keep.nonzero().squeeze(1)
        return Batch(rows, torch.zeros(len(rows), 0, device=self.device))
