"""Data parallel training with ``torch.distributed``, launched by ``torchrun``.

``torchrun --nproc-per-node N -m synthgan fit ...`` starts N processes (ranks) with
``WORLD_SIZE``/``RANK``/``LOCAL_RANK`` in their environment. Each rank reads the whole
table and fits the encoder identically (same seed), then trains on its own part of the
encoded rows (:func:`rank_rows`) with every network wrapped in ``DistributedDataParallel``
(:class:`DataParallelHooks`): gradients are averaged across ranks at every step, so the
ranks keep identical weights. Rank 0 alone writes the model file.

Backends: gloo on CPU, NCCL on CUDA (one GPU per rank, ``cuda:LOCAL_RANK``). Nothing here
runs unless a process group was started with :func:`init`; the one-process path never
imports ``torch.distributed`` state.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator, Mapping

import numpy as np
import torch
from torch import nn

from synthgan.core.hooks import TrainingHooks
from synthgan.errors import ConfigError


def launched(env: Mapping[str, str] | None = None) -> bool:
    """True when this process is one of several started by ``torchrun`` (``WORLD_SIZE`` > 1)."""
    env = os.environ if env is None else env
    try:
        return int(env.get("WORLD_SIZE", "1")) > 1
    except ValueError:
        return False


def is_active() -> bool:
    """True when a process group of more than one rank is initialised."""
    return torch.distributed.is_available() and torch.distributed.is_initialized() and torch.distributed.get_world_size() > 1


def rank() -> int:
    """This process' rank (0 without a process group)."""
    return torch.distributed.get_rank() if is_active() else 0


def world_size() -> int:
    """Number of ranks (1 without a process group)."""
    return torch.distributed.get_world_size() if is_active() else 1


def is_main() -> bool:
    """True on rank 0 (and in a one-process run): the rank that prints and writes files."""
    return rank() == 0


def launch_rank(env: Mapping[str, str] | None = None) -> int:
    """The rank torchrun gave this process (``RANK``; 0 when not launched by torchrun), group or not."""
    env = os.environ if env is None else env
    return int(env.get("RANK", "0")) if launched(env) else 0


def local_rank(env: Mapping[str, str] | None = None) -> int:
    """The rank on this machine (``LOCAL_RANK``; picks the GPU)."""
    env = os.environ if env is None else env
    return int(env.get("LOCAL_RANK", "0"))


def backend_for(device: str) -> str:
    """``"nccl"`` when ``device`` resolves to CUDA, else ``"gloo"``."""
    use_cuda = device.startswith("cuda") or (device == "auto" and torch.cuda.is_available())
    return "nccl" if use_cuda else "gloo"


def rank_device(device: str) -> str:
    """The device this rank trains on: ``cuda:LOCAL_RANK`` for CUDA, else ``"cpu"``."""
    return f"cuda:{local_rank()}" if backend_for(device) == "nccl" else "cpu"


def init(device: str = "auto") -> None:
    """Join the process group torchrun set up (env:// rendezvous); no-op when already joined.

    Raises
    ------
    ConfigError
        ``torch.distributed`` is not available in this torch build.
    """
    if not torch.distributed.is_available():
        raise ConfigError("this torch build has no torch.distributed; run `synthgan fit` in one process (without torchrun)")
    if torch.distributed.is_initialized():
        return
    backend = backend_for(device)
    if backend == "nccl":
        torch.cuda.set_device(local_rank())
    torch.distributed.init_process_group(backend)


def destroy() -> None:
    """Leave the process group (no-op when none)."""
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        torch.distributed.destroy_process_group()


@contextlib.contextmanager
def process_group(device: str = "auto") -> Iterator[None]:
    """``init`` on entry, ``destroy`` on exit."""
    init(device)
    try:
        yield
    finally:
        destroy()


def barrier() -> None:
    """Wait for every rank (no-op without a process group)."""
    if is_active():
        if torch.distributed.get_backend() == "nccl":
            torch.distributed.barrier(device_ids=[torch.cuda.current_device()])
        else:
            torch.distributed.barrier()


def all_reduce_sum(array: np.ndarray) -> np.ndarray:
    """The element-wise sum of ``array`` over all ranks, float64 (``array`` itself without a process group)."""
    if not is_active():
        return array
    device = torch.device("cuda", torch.cuda.current_device()) if torch.distributed.get_backend() == "nccl" else torch.device("cpu")
    tensor = torch.as_tensor(np.asarray(array, dtype=np.float64), device=device).clone()
    torch.distributed.all_reduce(tensor, op=torch.distributed.ReduceOp.SUM)
    return tensor.cpu().numpy()


def _check_parts(n_rows: int, rank: int, world: int) -> None:
    if world < 1 or not 0 <= rank < world:
        raise ConfigError(f"rank must be in 0..world-1 with world >= 1, got rank={rank}, world={world}")
    if n_rows < world:
        raise ConfigError(f"{n_rows} training rows cannot be split over {world} ranks; use at most {max(n_rows, 1)} processes")


def rank_rows(n_rows: int, rank: int, world: int) -> np.ndarray:
    """The rows rank ``rank`` of ``world`` owns: ``rank, rank + world, ...`` (every row belongs to one rank)."""
    _check_parts(n_rows, rank, world)
    return np.arange(rank, n_rows, world, dtype=np.int64)


def padded_rank_rows(n_rows: int, rank: int, world: int) -> np.ndarray:
    """:func:`rank_rows`, then repeats of its first rows up to ``ceil(n_rows / world)`` rows.

    Every rank gets as many rows, so all run the same epochs and steps (DDP needs the
    ranks in lockstep); the repeats sit at the end, after the rank's own rows.
    """
    own = rank_rows(n_rows, rank, world)
    size = -(-n_rows // world)
    return np.concatenate([own, own[: size - len(own)]]) if len(own) < size else own


class DataParallelHooks(TrainingHooks):
    """Train every network under ``DistributedDataParallel`` (needs an initialised process group).

    Parameters
    ----------
    own_items : int, optional
        Items of this rank's training data it owns (the rest repeat them to even out the
        parts, see :func:`padded_rank_rows`); :meth:`sum_over_items` counts only these.
    device : torch.device or str, optional
        A CUDA device makes DDP use ``device_ids=[index]``.
    """

    single_backward = True

    def __init__(self, own_items: int | None = None, device: torch.device | str | None = None) -> None:
        if not is_active():
            raise ConfigError("DataParallelHooks needs a process group of 2+ ranks; launch with torchrun --nproc-per-node N")
        self.own_items = own_items
        self.device = torch.device(device) if device is not None else None
        self.stream_keys = ("rank", str(rank()))  # batches, noise and dropout differ per rank

    def wrap_network(self, name: str, network: nn.Module) -> nn.Module:
        if not any(p.requires_grad for p in network.parameters()):
            return network
        if self.device is not None and self.device.type == "cuda":
            return torch.nn.parallel.DistributedDataParallel(network, device_ids=[self.device.index or 0])
        return torch.nn.parallel.DistributedDataParallel(network)

    def sum_over_items(self, count: Callable[[slice], np.ndarray]) -> np.ndarray:
        return all_reduce_sum(count(slice(0, self.own_items)))
