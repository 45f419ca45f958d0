"""Training checkpoints: one safetensors file every N epochs, so a killed fit can resume exactly.

A checkpoint holds everything the rest of training depends on, as tensors: the
weights of every training module (generator, critic, weight average, encoder),
the optimiser moments, the state of the model's own training generator (data
order, noise, dropout masks) and the state of stateful callbacks (early
stopping's best weights). The epoch history and a fingerprint of the fit (model,
config, seed, data size) go in the JSON metadata. Nothing is pickled, and the
file is replaced atomically, so a kill during the write leaves the previous
checkpoint intact. Resuming from it gives the same final weights as a fit that
was never interrupted.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import load_file, save_file

from synthgan.errors import ConfigError, InputFileError, ModelFileError
from synthgan.io.atomic import atomic_path
from synthgan.core.callbacks import Callback

_METADATA_KEY = "synthgan_checkpoint"
CHECKPOINT_FORMAT = 1


@dataclass
class TrainingState:
    """A checkpoint in memory: model training tensors, the history so far, fingerprint and callback states."""

    tensors: dict[str, torch.Tensor]
    history: list[dict[str, float]]
    fingerprint: dict[str, Any] = field(default_factory=dict)
    callbacks: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def epoch(self) -> int:
        """Epochs completed when the checkpoint was written."""
        return len(self.history)

    def callback_tensors(self, name: str) -> dict[str, torch.Tensor]:
        """The tensors stored for the callback ``name`` (prefix removed)."""
        prefix = f"callback/{name}/"
        return {k[len(prefix) :]: v for k, v in self.tensors.items() if k.startswith(prefix)}


def write_checkpoint(path: str | os.PathLike, state: TrainingState) -> Path:
    """Write ``state`` to ``path`` atomically (safetensors; JSON metadata)."""
    meta = {"format": CHECKPOINT_FORMAT, "history": state.history, "fingerprint": state.fingerprint,
            "callbacks": state.callbacks}
    with atomic_path(path, what="checkpoint") as tmp:
        save_file(state.tensors, str(tmp), metadata={_METADATA_KEY: json.dumps(meta)})
        os.chmod(tmp, 0o644)  # safetensors recreates the file; keep the mode of our other outputs
    return Path(path)


def read_checkpoint(path: str | os.PathLike) -> TrainingState:
    """Read a checkpoint written by :func:`write_checkpoint`.

    Raises
    ------
    InputFileError
        No file at ``path``.
    ModelFileError
        The file is not a synthgan checkpoint or is damaged.
    """
    src = Path(path)
    if not src.is_file():
        raise InputFileError(f"no checkpoint at '{src}'; fit without --resume, or pass --checkpoint PATH to the one you wrote")
    try:
        tensors = load_file(str(src))
        with safe_open(str(src), framework="pt") as handle:
            text = (handle.metadata() or {}).get(_METADATA_KEY)
        meta = json.loads(text) if text else None
    except (SafetensorError, OSError, ValueError) as exc:
        raise ModelFileError(f"'{src}' is not a readable checkpoint ({exc}); delete it and fit again") from exc
    if not meta or meta.get("format") != CHECKPOINT_FORMAT:
        raise ModelFileError(f"'{src}' is not a synthgan checkpoint (format {CHECKPOINT_FORMAT}); delete it and fit again")
    return TrainingState(tensors, meta["history"], meta["fingerprint"], meta.get("callbacks", {}))


def check_fingerprint(state: TrainingState, expected: dict[str, Any], path: str | os.PathLike) -> None:
    """Refuse to resume from a checkpoint written by a different fit (data size, model, config or seed)."""
    # JSON round trip, so tuples and lists compare equal
    expected = json.loads(json.dumps(expected))
    diff = sorted(k for k in set(expected) | set(state.fingerprint) if expected.get(k) != state.fingerprint.get(k))
    if diff:
        raise ConfigError(f"checkpoint '{path}' was written by a different fit ({', '.join(diff)} differ); "
                          "resume with the same data and options, or delete the checkpoint")


class Checkpoint(Callback):
    """Write a :class:`TrainingState` every ``every`` epochs (and after an early stop).

    Parameters
    ----------
    path : str or path
        Checkpoint file (replaced atomically each time).
    every : int
        Epochs between checkpoints.
    fingerprint : dict, optional
        JSON-safe description of the fit, checked on resume.
    stateful : list, optional
        Callbacks with ``name``, ``checkpoint_state()`` returning ``(dict, tensors)``
        and ``restore_checkpoint_state(dict, tensors)``; place this callback after them.
    """

    def __init__(self, path: str | os.PathLike, every: int, fingerprint: dict[str, Any] | None = None,
                 stateful: list[Any] | None = None) -> None:
        if isinstance(every, bool) or not isinstance(every, int) or every <= 0:
            raise ConfigError(f"checkpoint_every must be a positive integer (epochs), got {every!r}")
        self.path = Path(path)
        self.every = every
        self.fingerprint = dict(fingerprint or {})
        self.stateful = list(stateful or [])
        self.written_epochs: list[int] = []

    def state(self, model: Any) -> TrainingState:
        """The current :class:`TrainingState` of ``model`` (during ``fit``)."""
        tensors = model.training_state()
        callbacks: dict[str, dict[str, Any]] = {}
        for cb in self.stateful:
            meta, cb_tensors = cb.checkpoint_state()
            callbacks[cb.name] = meta
            tensors.update({f"callback/{cb.name}/{k}": v.detach().cpu().clone().contiguous() for k, v in cb_tensors.items()})
        return TrainingState(tensors, list(model.history_), self.fingerprint, callbacks)

    def on_epoch_end(self, model: Any, epoch: int, logs: dict[str, float]) -> bool:
        stopping = any(getattr(cb, "stopped_epoch_", None) == epoch for cb in self.stateful)
        if epoch % self.every == 0 or stopping:
            write_checkpoint(self.path, self.state(model))
            self.written_epochs.append(epoch)
        return False


def restore_callbacks(state: TrainingState, stateful: list[Any]) -> None:
    """Give each stateful callback back what :class:`Checkpoint` stored for it."""
    for cb in stateful:
        if cb.name in state.callbacks:
            cb.restore_checkpoint_state(state.callbacks[cb.name], state.callback_tensors(cb.name))
