"""What every image model shares: the data it takes, its batches, its classes and how it draws them.

An image model learns :class:`~synthgan.core.encoded.EncodedData` whose static part holds
float32 images ``(n, C, H, W)`` in [-1, 1] (what :class:`~synthgan.images.encoder.ImageEncoder`
produces), described by ``static_spec = {"shape": [C, H, W], "n_classes": K}``, and, when
``K > 0``, ``labels``: each image's class index. A model generates one class at a time
(``condition=k``), or with ``condition=None`` classes drawn at their training frequencies.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from synthgan.core.batches import Batch, BatchSampler, ShuffledBatches
from synthgan.core.encoded import EncodedData
from synthgan.core.neural import NeuralModel
from synthgan.errors import ConditionError, ConfigError, DataValidationError

__all__ = ["ImageBatches", "ImageNeuralModel", "image_data", "image_spec"]


def image_spec(shape: tuple[int, int, int], n_classes: int) -> dict[str, Any]:
    """The data description every image model keeps: ``{"shape": [C, H, W], "n_classes": K}``."""
    return {"shape": [int(s) for s in shape], "n_classes": int(n_classes)}


def image_data(images: np.ndarray, labels: np.ndarray | None = None, n_classes: int | None = None) -> EncodedData:
    """Encoded images ``(n, C, H, W)`` in [-1, 1] (and class indices) as a model's input."""
    k = 0 if labels is None else int(n_classes if n_classes is not None else labels.max() + 1)
    return EncodedData(static=images, static_spec=image_spec(images.shape[1:], k), labels=labels)


class ImageBatches(BatchSampler):
    """Shuffled passes over the images; a batch's conditions are its items' class indices.

    Generator steps (:meth:`condition_batch`) draw classes at their training frequencies
    (the class of a uniformly drawn item). Without classes the conditions are empty.
    """

    def __init__(self, labels: torch.Tensor | None, n_items: int, batch_size: int, device: torch.device,
                 generator: torch.Generator) -> None:
        self.order = ShuffledBatches(n_items, batch_size, device, generator)
        self.labels, self.n_items, self.device = labels, n_items, device
        self.batch_size = self.order.batch_size

    def _conditions(self, rows: torch.Tensor) -> torch.Tensor:
        if self.labels is None:
            return torch.zeros(len(rows), 0, device=self.device)
        return self.labels.index_select(0, rows)

    def real_batch(self, generator: torch.Generator) -> Batch:
        rows = self.order.real_batch(generator).rows
        return Batch(rows, self._conditions(rows))

    def condition_batch(self, generator: torch.Generator) -> Batch:
        rows = torch.randint(0, self.n_items, (self.batch_size,), generator=generator, device=self.device)
        return Batch(None, self._conditions(rows))

    def state_tensors(self) -> dict[str, torch.Tensor]:
        return self.order.state_tensors()

    def load_state_tensors(self, tensors: dict[str, torch.Tensor]) -> None:
        self.order.load_state_tensors(tensors)


class ImageNeuralModel(NeuralModel):
    """Base of the image models: data checks, batches, class frequencies, class-conditional draws.

    Fitted attributes (besides NeuralModel's): ``class_counts_`` (training images per class;
    empty without classes).
    """

    @property
    def n_classes_(self) -> int:
        return int(self.spec_["n_classes"])

    # ---------------------------------------------------------------- data
    def _check_data(self, data: Any, spec: Any) -> tuple[EncodedData, Any]:
        if not isinstance(data, EncodedData) or data.static is None or data.temporal is not None:
            raise ConfigError(f"{self.name}: fit takes EncodedData(static=images (n, C, H, W) in [-1, 1], labels=...); "
                              "build it with synthgan.images.models.base.image_data or use ImageSynthesizer")
        spec = spec if spec is not None else data.static_spec
        x = data.static
        if spec is None:
            spec = image_spec(x.shape[1:] if x.ndim == 4 else (0, 0, 0), 0 if data.labels is None else data.labels.max() + 1)
        shape, n_classes = tuple(spec["shape"]), int(spec["n_classes"])
        if x.ndim != 4 or tuple(x.shape[1:]) != shape or x.dtype != np.float32:
            raise DataValidationError(f"{self.name}: images must be float32 of shape (n, {', '.join(map(str, shape))}), "
                                      f"got {x.dtype} of shape {x.shape}")
        if not np.isfinite(x).all() or x.min() < -1.0 or x.max() > 1.0:
            raise DataValidationError(f"{self.name}: encoded images must lie in [-1, 1]; encode them with ImageEncoder")
        if n_classes and (data.labels is None or data.labels.max() >= n_classes):
            raise DataValidationError(f"{self.name}: the spec names {n_classes} classes: give each image's class index "
                                      f"(0 .. {n_classes - 1}) as labels")
        if not n_classes and data.labels is not None:
            data = EncodedData(static=x, static_spec=spec)  # no classes to learn: labels are not used
        return data, image_spec(shape, n_classes)

    def _sample_shape(self) -> tuple[int, ...]:
        return tuple(self.spec_["shape"])

    def _fit_state(self, tensors: dict[str, torch.Tensor]) -> None:
        labels = tensors.get("labels")
        k = self.n_classes_
        self.class_counts_ = (np.bincount(labels.cpu().numpy(), minlength=k).astype(np.float64) if k
                              else np.zeros(0, dtype=np.float64))

    def _batch_sampler(self, tensors: dict[str, torch.Tensor], cfg: dict[str, Any], gen: torch.Generator) -> ImageBatches:
        return ImageBatches(tensors.get("labels"), len(tensors["static"]), cfg["batch_size"], self._device, gen)

    def _extra_arrays(self) -> dict[str, np.ndarray]:
        return {"class_counts": np.asarray(self.class_counts_, dtype=np.float64)}

    def _load_extra(self, arrays: dict[str, np.ndarray]) -> None:
        counts = np.asarray(arrays["class_counts"], dtype=np.float64)
        if counts.shape != (self.n_classes_,) or (counts < 0).any() or (self.n_classes_ and counts.sum() <= 0):
            raise ValueError(f"class_counts must hold {self.n_classes_} non-negative counts, got shape {counts.shape}")
        self.class_counts_ = counts

    # ------------------------------------------------------------- conditions
    def _check_condition(self, condition: Any) -> None:
        if not self.n_classes_:
            raise ConditionError(f"{self.name} was fitted without labels: it cannot generate a chosen class; "
                                 "fit it on labelled images to condition on the label")
        if isinstance(condition, (bool, np.bool_)) or not isinstance(condition, (int, np.integer)) \
                or not 0 <= condition < self.n_classes_:
            raise ConditionError(f"{self.name}: condition must be a class index 0 .. {self.n_classes_ - 1}, got {condition!r}")

    def _labels(self, n: int, gen: torch.Generator, condition: Any) -> torch.Tensor | None:
        """Class indices of ``n`` items: all ``condition``, or drawn at the training frequencies (None without classes)."""
        if not self.n_classes_:
            return None
        if condition is not None:
            return torch.full((n,), int(condition), dtype=torch.long, device=self._device)
        weights = torch.as_tensor(self.class_counts_, dtype=torch.float32, device=self._device)
        return torch.multinomial(weights, n, replacement=True, generator=gen)
