"""The small CNN whose test accuracy the low-shot experiment compares across augmentation arms.

The network is the feature network's (:mod:`synthgan.images.evaluation.features`: three
``conv 3x3 -> batch norm -> ReLU`` blocks of 16, 32 and 64 channels, pooling, a 128-d layer
and a linear head), trained from seeded weights with Adam and a learning rate decayed linearly
to 0 over a **fixed number of steps**, whatever the size of the training pool: an arm that
adds synthetic images changes what the batches hold, not how long the network trains, so the
arms are compared at equal compute. There is no early stopping and no model selection at all,
so nothing is tuned on the test images (and no labelled image is spent on validation).

Batches are drawn uniformly with replacement from the pool (real plus synthetic images);
with ``augment`` every batch is warped by :class:`~synthgan.images.lowshot.affine.RandomAffine`
on the fly. Weights, batches and warps come from generators derived from ``seed``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from synthgan._random import torch_generator
from synthgan.errors import ConfigError, NotFittedError
from synthgan.images.evaluation.features import _build, cpu_threads
from synthgan.images.lowshot.affine import RandomAffine

__all__ = ["LowShotClassifier"]

PREDICT_BATCH = 1024


class LowShotClassifier:
    """A seeded small CNN trained for a fixed number of steps (see the module docstring).

    Parameters
    ----------
    steps : int, default=600
        Optimiser steps (batches), whatever the number of training images.
    batch_size : int, default=64
    learning_rate : float, default=2e-3
        Adam's step size, decayed linearly to 0.
    augment : RandomAffine or None, default=None
        Warp every training batch with this random affine transformation.
    seed : int, default=0
    device : str, default="auto"
        ``"auto"`` (CUDA when present), ``"cpu"`` or ``"cuda"``.
    threads : int, optional
        Torch CPU threads while training and predicting (restored afterwards).

    Attributes
    ----------
    network_ : torch.nn.ModuleDict
    n_classes_ : int
    n_train_ : int
    final_loss_ : float
        Mean training loss over the last 50 steps.
    """

    def __init__(self, *, steps: int = 600, batch_size: int = 64, learning_rate: float = 2e-3,
                 augment: RandomAffine | None = None, seed: int = 0, device: str = "auto", threads: int | None = None) -> None:
        self.steps = steps
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.augment = augment
        self.seed = seed
        self.device = device
        self.threads = threads
        self.network_ = None

    def _check(self) -> None:
        for name in ("steps", "batch_size"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ConfigError(f"LowShotClassifier: {name} must be a positive integer, got {value!r}")
        if not self.learning_rate > 0:
            raise ConfigError(f"LowShotClassifier: learning_rate must be > 0, got {self.learning_rate!r}")
        if self.augment is not None and not isinstance(self.augment, RandomAffine):
            raise ConfigError(f"LowShotClassifier: augment must be a RandomAffine or None, got {type(self.augment).__name__}")

    def fit(self, x: torch.Tensor, y: np.ndarray, n_classes: int) -> "LowShotClassifier":
        """Train on images ``x`` (float NCHW in [-1, 1]) with class indices ``y`` (0 .. ``n_classes`` - 1)."""
        from torch import nn

        from synthgan.core.device import resolve_device

        self._check()
        device = resolve_device(self.device, model="LowShotClassifier")
        net = _build(x.shape[1], n_classes, torch_generator(self.seed, "lowshot-classifier", "weights")).to(device)
        images = x.to(device)
        target = torch.as_tensor(np.asarray(y), dtype=torch.long, device=device)
        batches = torch_generator(self.seed, "lowshot-classifier", "batches")
        warps = torch_generator(self.seed, "lowshot-classifier", "augment", device=str(device))
        optimizer = torch.optim.Adam(net.parameters(), lr=self.learning_rate)
        schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 1.0 - step / self.steps)
        loss_fn = nn.CrossEntropyLoss()
        batch = min(self.batch_size, len(images))
        losses = []
        net.train()
        with cpu_threads(self.threads):
            for _ in range(self.steps):
                rows = torch.randint(0, len(images), (batch,), generator=batches).to(device)
                xb = images.index_select(0, rows)
                if self.augment is not None:
                    xb = self.augment(xb, warps)
                optimizer.zero_grad(set_to_none=True)
                loss = loss_fn(net["head"](net["trunk"](xb)), target.index_select(0, rows))
                loss.backward()
                optimizer.step()
                schedule.step()
                losses.append(loss.detach())
        self.network_ = net.eval()
        self.n_classes_ = int(n_classes)
        self.n_train_ = int(len(images))
        self.final_loss_ = float(torch.stack(losses[-50:]).mean())
        return self

    def predict(self, x: torch.Tensor) -> np.ndarray:
        """The class index of each image ``x`` (float NCHW in [-1, 1])."""
        if self.network_ is None:
            raise NotFittedError("This LowShotClassifier instance is not fitted yet. Call 'fit' with the training "
                                 "images before using it.")
        device = next(self.network_.parameters()).device
        out = []
        with torch.no_grad(), cpu_threads(self.threads):
            for start in range(0, len(x), PREDICT_BATCH):
                logits = self.network_["head"](self.network_["trunk"](x[start:start + PREDICT_BATCH].to(device)))
                out.append(logits.argmax(dim=1).cpu())
        return torch.cat(out).numpy() if out else np.zeros(0, dtype=np.int64)

    def describe(self) -> dict[str, Any]:
        """Settings and the final training loss, JSON-safe."""
        return {"steps": int(self.steps), "batch_size": int(self.batch_size), "learning_rate": float(self.learning_rate),
                "augment": self.augment is not None, "n_train": getattr(self, "n_train_", None),
                "final_loss": getattr(self, "final_loss_", None)}
