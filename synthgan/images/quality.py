"""The image-quality signal early stopping follows: the Frechet distance of a model's samples.

At the start of a fit, a :class:`~synthgan.images.evaluation.features.FeatureNet` (a small
CNN) learns the training images: their classes when labelled, else which rotation was
applied to them. Every few epochs the model draws a fixed set of samples (the same noise
each time, classes in their training proportions) from the weights sampling would use;
the score is minus the Frechet distance between their features and the training images'
(higher is better). Logged beside it: the share of samples the network reads as the class
they were drawn for, and precision and recall (Kynkaanniemi et al. 2019) in the same space.
:class:`ImageEarlyStopping` keeps the best weights and stops on ``patience`` or ``max_time``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from synthgan._random import child_seed, torch_generator
from synthgan.core.early_stopping import EarlyStopping

__all__ = ["ImageEarlyStopping", "QualitySignal"]

#: images drawn at each evaluation, and real images whose features are the reference
QUALITY_SAMPLES = 1000
FEATURE_EPOCHS = 3
PRDC_K = 5  # neighbour rank of the precision and recall logged beside the distance


class QualitySignal:
    """``signal(model) -> -Frechet distance`` of the model's current samples (see the module docstring).

    Parameters
    ----------
    images : ndarray
        Encoded training images, float32 ``(n, C, H, W)`` in [-1, 1].
    labels : ndarray or None
        Their class indices.
    n_classes : int
    seed : int
    device : str
        Where the feature network trains.
    samples : int, default=QUALITY_SAMPLES
        Images drawn at each evaluation (at most as many as the training images), and
        training images in the reference.

    Attributes
    ----------
    last_ : dict
        ``frechet_distance``, ``precision``, ``recall`` and (with classes) ``class_accuracy`` of
        the last evaluation.
    feature_accuracy_ : float
        The feature network's held-out accuracy (classes, or rotations without labels).
    """

    def __init__(self, images: np.ndarray, labels: np.ndarray | None, n_classes: int, *, seed: int, device: str = "auto",
                 samples: int = QUALITY_SAMPLES) -> None:
        from synthgan.images.evaluation.features import FeatureNet

        x = torch.from_numpy(images[:, :3])  # an alpha channel is not judged
        samples = min(samples, len(x))
        self.net = FeatureNet(epochs=FEATURE_EPOCHS, seed=child_seed(seed, "feature-net"), device=device)
        self.net.fit(x, labels if n_classes > 1 else None)
        self.feature_accuracy_ = float(self.net.accuracy_)
        pick = np.random.default_rng(child_seed(seed, "quality-reference")).permutation(len(x))[:samples]
        self.reference = self.net.features(x[np.sort(pick)])
        self.n_classes = n_classes
        if n_classes:
            counts = np.bincount(labels, minlength=n_classes).astype(np.float64)
            per_class = np.floor(counts / counts.sum() * samples).astype(int)
            per_class[np.argsort(-counts, kind="stable")[: samples - per_class.sum()]] += 1  # largest remainders first
            self.per_class = per_class
        self.samples = samples
        self.seed = seed
        self.last_: dict[str, float] = {}

    def _draw(self, model: Any) -> tuple[torch.Tensor, np.ndarray | None]:
        gen = torch_generator(self.seed, "quality-noise", device=model._device.type)  # the same draw every evaluation
        if not self.n_classes:
            return torch.from_numpy(model.preview(self.samples, gen)), None
        parts = [model.preview(int(k), gen, condition=c) for c, k in enumerate(self.per_class) if k > 0]
        drawn = np.repeat(np.arange(self.n_classes), self.per_class)
        return torch.from_numpy(np.concatenate(parts)), drawn

    def __call__(self, model: Any) -> float:
        from synthgan.images.evaluation.features import frechet_distance
        from synthgan.images.evaluation.prdc import prdc

        x, drawn = self._draw(model)
        x = x[:, :3]
        features = self.net.features(x)
        distance = frechet_distance(features, self.reference)
        self.last_ = {"frechet_distance": distance}
        if len(features) > PRDC_K and len(self.reference) > PRDC_K:
            scores = prdc(self.reference, features, k=PRDC_K)
            self.last_.update(precision=scores["precision"], recall=scores["recall"])
        if drawn is not None and self.net.objective_ == "classes":
            self.last_["class_accuracy"] = float((self.net.predict(x) == drawn).mean())
        return -distance


class ImageEarlyStopping(EarlyStopping):
    """:class:`~synthgan.core.early_stopping.EarlyStopping` on a :class:`QualitySignal`, logging its parts."""

    best_parts_: dict[str, float] = {}

    def _evaluate(self, model: Any, epoch: int, logs: dict[str, float]) -> None:
        super()._evaluate(model, epoch, logs)
        logs.update(self.score.last_)
        if self.best_epoch_ == epoch:
            self.best_parts_ = dict(self.score.last_)

    def checkpoint_state(self) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
        meta, tensors = super().checkpoint_state()
        return {**meta, "best_parts": dict(self.best_parts_)}, tensors

    def restore_checkpoint_state(self, meta: dict[str, Any], tensors: dict[str, torch.Tensor]) -> None:
        super().restore_checkpoint_state(meta, tensors)
        self.best_parts_ = dict(meta.get("best_parts", {}))

    def summary(self) -> dict[str, Any]:
        """EarlyStopping's summary plus the Frechet distance (and class accuracy) at the best epoch."""
        return {**super().summary(), **{k: round(v, 6) for k, v in self.best_parts_.items()}}
