"""Early stopping on a validation score: keep the best weights, stop when it stops improving or time is up.

Losses of an adversarial game say little about sample quality, so the score is a
real one: a function of the model (typically: sample rows from the current
averaged generator, decode them and compare them with held-out real rows; see
:mod:`synthgan.tabular.fitting.validation`). It is computed every ``every`` epochs, the
weights sampling would use are copied whenever it improves, and the model ends
with the best copy.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import torch

from synthgan.errors import ConfigError
from synthgan.core.callbacks import Callback

EVALUATIONS_BY_DEFAULT = 20  # validation_every=None scores about this many times per fit


def _check_optional_positive(value: Any, name: str, kind: type | tuple[type, ...]) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, kind) or value <= 0:
        raise ConfigError(f"{name} must be a positive number or None, got {value!r}")


class EarlyStopping(Callback):
    """Score the model every few epochs; keep the best weights; stop on ``patience`` or ``max_time``.

    Parameters
    ----------
    score : callable
        ``score(model) -> float``, higher is better; NaN counts as worse than anything.
    patience : int, optional
        Stop after this many evaluations in a row without improvement; ``None`` never
        stops for that reason (the best weights are still kept).
    every : int, optional
        Epochs between evaluations; ``None`` evaluates about 20 times over the planned
        epochs. The last epoch is always evaluated.
    max_time : float, optional
        Seconds of training (in this process) after which training stops, keeping the
        best weights.
    min_delta : float, default=0.0
        Improvement needed to count as better.

    Attributes
    ----------
    best_score_, best_epoch_ : float, int
    stopped_epoch_ : int or None
        Epoch after which this callback stopped training.
    stop_reason_ : {"patience", "max_time"} or None
    """

    name = "early_stopping"

    def __init__(self, score: Callable[[Any], float], *, patience: int | None = None, every: int | None = None,
                 max_time: float | None = None, min_delta: float = 0.0) -> None:
        _check_optional_positive(patience, "patience", int)
        _check_optional_positive(every, "validation_every", int)
        _check_optional_positive(max_time, "max_time", (int, float))
        self.score = score
        self.patience = patience
        self.every = every
        self.max_time = max_time
        self.min_delta = min_delta
        self.best_score_ = -math.inf
        self.best_epoch_ = 0
        self.stopped_epoch_: int | None = None
        self.stop_reason_: str | None = None
        self.validation_seconds_ = 0.0
        self._waits = 0
        self._best_weights: dict[str, torch.Tensor] | None = None

    def on_train_begin(self, model: Any, total_epochs: int) -> None:
        self._total = total_epochs
        self._every = self.every or max(1, round(total_epochs / EVALUATIONS_BY_DEFAULT))
        self._started = time.perf_counter()

    def deadline(self) -> float | None:
        """``max_time`` seconds after training began: the loop stops within a step of it, mid-epoch if need be."""
        return None if self.max_time is None else self._started + self.max_time

    def on_epoch_end(self, model: Any, epoch: int, logs: dict[str, float]) -> bool:
        timed_out = self.max_time is not None and time.perf_counter() - self._started >= self.max_time
        if epoch % self._every == 0 or epoch == self._total or timed_out:
            self._evaluate(model, epoch, logs)
        if self.patience is not None and self._waits >= self.patience:
            self.stop_reason_ = "patience"
        elif timed_out:
            self.stop_reason_ = "max_time"
        if self.stop_reason_ is not None and epoch < self._total:
            self.stopped_epoch_ = epoch
            return True
        return False

    def _evaluate(self, model: Any, epoch: int, logs: dict[str, float]) -> None:
        started = time.perf_counter()
        value = float(self.score(model))
        self.validation_seconds_ += time.perf_counter() - started
        logs["validation_score"] = value
        if math.isfinite(value) and value > self.best_score_ + self.min_delta:
            self.best_score_, self.best_epoch_, self._waits = value, epoch, 0
            self._best_weights = model.sampling_weights()
        else:
            self._waits += 1

    def on_train_end(self, model: Any) -> None:
        if self._best_weights is not None:
            model.keep_weights(self._best_weights)

    def summary(self) -> dict[str, Any]:
        """JSON-safe outcome for the model file's ``diagnostics``."""
        return {
            "best_epoch": self.best_epoch_,
            "validation": None if not math.isfinite(self.best_score_) else round(self.best_score_, 6),
            "stopped_early": self.stopped_epoch_ is not None,
            "stop_reason": self.stop_reason_,
            "validation_every": getattr(self, "_every", self.every),
            "validation_seconds": round(self.validation_seconds_, 3),
        }

    # ---------------------------------------------------------------- checkpoints
    def checkpoint_state(self) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
        """Counters as JSON, best weights as tensors (see :class:`~synthgan.core.checkpoint.Checkpoint`)."""
        meta = {"best_score": self.best_score_ if math.isfinite(self.best_score_) else None,
                "best_epoch": self.best_epoch_, "waits": self._waits}
        return meta, dict(self._best_weights or {})

    def restore_checkpoint_state(self, meta: dict[str, Any], tensors: dict[str, torch.Tensor]) -> None:
        """Continue counting from a checkpoint."""
        self.best_score_ = -math.inf if meta["best_score"] is None else float(meta["best_score"])
        self.best_epoch_ = int(meta["best_epoch"])
        self._waits = int(meta["waits"])
        self._best_weights = tensors or None
