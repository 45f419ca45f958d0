"""Assemble the training extras of one fit: validation hold-out, early stopping, collapse alarm, checkpoints.

The :class:`~synthgan.tabular.synthesizer.Synthesizer` describes what it wants with
:class:`TrainingOptions`; :func:`plan_training` turns that into the rows to train
on, the callbacks, the checkpoint to resume from, and afterwards the
``diagnostics`` summary stored in the model file.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from synthgan.errors import ConfigError
from synthgan.core.checkpoint import Checkpoint, TrainingState, check_fingerprint, read_checkpoint, restore_callbacks
from synthgan.tabular.fitting.diagnostics import CollapseMonitor, collapse_alarms
from synthgan.core.early_stopping import EarlyStopping
from synthgan.tabular.fitting.validation import FidelityScore, holdout_split

COLLAPSE_CHECKS = 20  # the collapse alarm looks about this many times per fit


@dataclass
class TrainingOptions:
    """What the user asked for (Synthesizer constructor arguments)."""

    patience: int | None = None
    max_time: float | None = None
    validation_every: int | None = None
    checkpoint_every: int | None = None
    checkpoint: str | os.PathLike | None = None

    @property
    def validating(self) -> bool:
        return any(v is not None for v in (self.patience, self.max_time, self.validation_every))

    def check(self, model_name: str, trainable: bool, resume: bool, seed: int | None) -> None:
        """Raise ConfigError for options that make no sense together."""
        if (resume or self.checkpoint_every is not None) and seed is None:
            raise ConfigError("checkpoints resume exactly only with a fixed seed; pass seed=0 (or any integer)")
        if self.checkpoint_every is not None and self.checkpoint is None:
            raise ConfigError("checkpoint_every needs a checkpoint path; pass checkpoint='model.synthgan.ckpt'")
        if resume and self.checkpoint is None:
            raise ConfigError("resume=True needs the checkpoint path it should resume from; pass checkpoint=PATH")
        asked = [n for n in ("patience", "max_time", "validation_every", "checkpoint_every") if getattr(self, n) is not None]
        if not trainable and (asked or resume):
            raise ConfigError(f"{model_name} trains in one pass, without epochs: drop {', '.join(asked or ['resume'])}")


@dataclass
class TrainingPlan:
    """Rows to train on, callbacks to add, and the state to resume from."""

    train_rows: np.ndarray  # row indices of the table the model trains on
    holdout_rows: np.ndarray
    callbacks: list[Any] = field(default_factory=list)
    early_stopping: EarlyStopping | None = None
    monitor: CollapseMonitor | None = None
    checkpoint: Checkpoint | None = None
    resume: TrainingState | None = None

    def training_matrix(self, encoded: np.ndarray) -> np.ndarray:
        """The encoded rows the model trains on (no copy when nothing is held out)."""
        return encoded[self.train_rows] if len(self.holdout_rows) else encoded

    def diagnostics(self, history: list[dict[str, float]]) -> dict[str, Any]:
        """JSON-safe summary for the model file (``manifest["diagnostics"]``)."""
        out: dict[str, Any] = {"alarms": collapse_alarms(history), "best_epoch": len(history), "stopped_early": False,
                               "validation": None, "holdout_rows": int(len(self.holdout_rows))}
        if self.early_stopping is not None:
            out.update(self.early_stopping.summary())
        if self.monitor is not None:
            out["real_category_coverage"] = round(self.monitor.real_coverage_, 4)
        if self.resume is not None:
            out["resumed_from_epoch"] = self.resume.epoch
        if self.checkpoint is not None:
            out["checkpoint"] = str(self.checkpoint.path)
        return out


def _fingerprint(model: Any, seed: int | None, encoded: np.ndarray, options: TrainingOptions) -> dict[str, Any]:
    # what decides the training trajectory; patience and max_time only decide where it ends
    digest = hashlib.sha256(np.ascontiguousarray(encoded).view(np.uint8)).hexdigest()[:16]
    return {"model": model.name, "model_config": model.get_config(), "seed": seed, "rows": int(len(encoded)),
            "data_sha256": digest, "holdout": options.validating, "validation_every": options.validation_every}


def plan_training(model: Any, data: pd.DataFrame, encoded: np.ndarray, encoder: Any, *, seed: int | None,
                  options: TrainingOptions, resume: bool = False) -> TrainingPlan:
    """Split off the validation rows and build the callbacks for ``model`` (a torch model or not).

    Parameters
    ----------
    model : BaseModel
        The unfitted model; only trainable ones (``capabilities.trainable``) get callbacks.
    data, encoded : DataFrame, ndarray
        The table and its encoding (same rows).
    encoder : TableEncoder
    seed : int or None
    options : TrainingOptions
    resume : bool, default=False
        Continue from ``options.checkpoint``.
    """
    trainable = model.capabilities.trainable
    options.check(model.name, trainable, resume, seed)
    all_rows = np.arange(len(data))
    if not trainable:
        return TrainingPlan(all_rows, all_rows[:0])
    entity = encoder.schema_.entity  # all rows of an entity land on the same side of the hold-out
    groups = data[entity] if entity is not None else None
    train_rows, holdout_rows = holdout_split(len(data), seed, groups=groups) if options.validating else (all_rows, all_rows[:0])
    plan = TrainingPlan(train_rows, holdout_rows)
    train_encoded = plan.training_matrix(encoded)
    plan.monitor = CollapseMonitor(train_encoded, encoder.layout_, seed=seed, checks=COLLAPSE_CHECKS)
    plan.callbacks.append(plan.monitor)
    if options.validating:
        score = FidelityScore(encoder, data.iloc[holdout_rows].reset_index(drop=True), seed)
        plan.early_stopping = EarlyStopping(score, patience=options.patience, every=options.validation_every,
                                            max_time=options.max_time)
        plan.callbacks.append(plan.early_stopping)
    stateful = [plan.early_stopping] if plan.early_stopping is not None else []
    fingerprint = _fingerprint(model, seed, train_encoded, options) if options.checkpoint is not None else {}
    if resume:
        plan.resume = read_checkpoint(options.checkpoint)
        check_fingerprint(plan.resume, fingerprint, options.checkpoint)
        restore_callbacks(plan.resume, stateful)
    if options.checkpoint_every is not None:
        plan.checkpoint = Checkpoint(Path(options.checkpoint), options.checkpoint_every, fingerprint, stateful)
        plan.callbacks.append(plan.checkpoint)  # last: sees the other callbacks' state for this epoch
    return plan
