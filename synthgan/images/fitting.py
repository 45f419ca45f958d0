"""The training extras of one image fit: quality-signal early stopping (or a time limit) and checkpoints.

:func:`plan_image_training` builds them for :class:`~synthgan.images.synthesizer.ImageSynthesizer`:

* with ``validation`` (and at least :data:`MIN_QUALITY_IMAGES` images), a
  :class:`~synthgan.images.quality.QualitySignal` and the
  :class:`~synthgan.images.quality.ImageEarlyStopping` that follows it (best weights kept,
  ``patience``, ``max_time``); without, a plain :class:`~synthgan.core.callbacks.TimeLimit`
  when ``max_time`` is set;
* with a ``checkpoint`` path, the state to resume from (refused when written by a different
  fit: model, config, seed, images) and a :class:`~synthgan.core.checkpoint.Checkpoint`
  every ``checkpoint_every`` epochs, placed last so that it stores early stopping's state.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from synthgan._random import child_seed
from synthgan.core.encoded import EncodedData

__all__ = ["MIN_QUALITY_IMAGES", "ImageTrainingPlan", "plan_image_training"]

#: fewer training images than this cannot train the quality signal's feature network: no signal
MIN_QUALITY_IMAGES = 10


@dataclass
class ImageTrainingPlan:
    """Callbacks to add to a fit, the state to resume from, and what the fit's diagnostics say afterwards."""

    callbacks: list[Any] = field(default_factory=list)
    resume: Any = None
    stopper: Any = None
    signal: Any = None

    def diagnostics(self) -> dict[str, Any]:
        """JSON-safe outcome for the model file (after the fit)."""
        if self.stopper is None:
            out: dict[str, Any] = {"stopped_early": False, "stop_reason": None}
        elif self.signal is None:  # a TimeLimit
            out = {"stopped_early": bool(self.stopper.stopped_), "stop_reason": "max_time" if self.stopper.stopped_ else None}
        else:
            out = {**self.stopper.summary(), "feature_accuracy": round(self.signal.feature_accuracy_, 6)}
        if self.resume is not None:
            out["resumed_from_epoch"] = self.resume.epoch
        return out


def _fingerprint(model: Any, encoded: EncodedData, seed: int, validation: bool, validation_every: int | None) -> dict[str, Any]:
    # what decides the training trajectory; patience and max_time only decide where it ends
    digest = hashlib.sha256(encoded.static.tobytes())
    if encoded.labels is not None:
        digest.update(encoded.labels.tobytes())
    return {"model": model.name, "model_config": model.get_config(), "seed": seed, "images": int(encoded.n_items),
            "data_sha256": digest.hexdigest()[:16], "validation": validation, "validation_every": validation_every}


def plan_image_training(model: Any, encoded: EncodedData, *, seed: int, device: str, validation: bool,
                        patience: int | None, validation_every: int | None, max_time: float | None,
                        checkpoint: str | os.PathLike | None, checkpoint_every: int | None,
                        resume: bool) -> ImageTrainingPlan:
    """Early stopping (or a time limit) and checkpoints for fitting ``model`` on ``encoded`` (options checked already)."""
    from synthgan.core.callbacks import TimeLimit
    from synthgan.core.checkpoint import Checkpoint, check_fingerprint, read_checkpoint, restore_callbacks

    plan = ImageTrainingPlan()
    limit = None if max_time is None else float(max_time)
    if validation and encoded.n_items >= MIN_QUALITY_IMAGES:
        from synthgan.images.quality import ImageEarlyStopping, QualitySignal

        plan.signal = QualitySignal(encoded.static, encoded.labels, int(encoded.static_spec["n_classes"]),
                                    seed=child_seed(seed, "quality"), device=device)
        plan.stopper = ImageEarlyStopping(plan.signal, patience=patience, every=validation_every, max_time=limit)
    elif limit is not None:
        plan.stopper = TimeLimit(limit)
    plan.callbacks += [plan.stopper] if plan.stopper is not None else []
    if checkpoint is None:
        return plan
    stateful = [plan.stopper] if plan.signal is not None else []
    fingerprint = _fingerprint(model, encoded, seed, validation, validation_every)
    if resume:
        plan.resume = read_checkpoint(checkpoint)
        check_fingerprint(plan.resume, fingerprint, checkpoint)
        restore_callbacks(plan.resume, stateful)
    if checkpoint_every is not None:  # last: sees the other callbacks' state for this epoch
        plan.callbacks.append(Checkpoint(Path(checkpoint), checkpoint_every, fingerprint, stateful))
    return plan
