"""The image sets an evaluation compares: read from ImageSets or arrays, checked against each other.

Every set may be an :class:`~synthgan.images.io.ImageSet` (or anything with ``images`` and
``labels`` attributes, and optionally ``class_names``), a tuple ``(images, labels)``, or an
image array alone. Images are in the file convention, ``(N, H, W)`` or ``(N, H, W, C)``.

Labels are compared by value: a folder's integer labels become their class names first, and
integer synthetic labels are read as class indices when the real labels are names and the
synthetic set has no names of its own (as an ``.npz`` sampled from a folder-trained model).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from synthgan.errors import DataValidationError


@dataclass(frozen=True)
class Images:
    """One checked set: images as given, labels as comparable values (or None), and where it came from."""

    images: np.ndarray
    labels: np.ndarray | None
    name: str
    class_names: tuple[str, ...] | None = None

    def __len__(self) -> int:
        return len(self.images)

    @property
    def shape(self) -> tuple[int, int, int]:
        """``(H, W, channels)`` with an alpha channel not counted."""
        h, w = self.images.shape[1:3]
        c = 1 if self.images.ndim == 3 else self.images.shape[3]
        return int(h), int(w), 3 if c == 4 else int(c)

    def subset(self, rows: np.ndarray) -> Images:
        return Images(self.images[rows], None if self.labels is None else self.labels[rows], self.name,
                      self.class_names)


def as_images(data: Any, name: str) -> Images:
    """One set as :class:`Images` (see the module docstring); raises a :class:`DataValidationError` naming it."""
    if isinstance(data, Images):
        return data
    class_names = None
    if hasattr(data, "images"):
        images, labels = data.images, getattr(data, "labels", None)
        class_names = getattr(data, "class_names", None)
        name = f"{name} ({data.source})" if isinstance(getattr(data, "source", None), str) \
            and data.source not in ("arrays", "sampled") else name
    elif isinstance(data, tuple) and len(data) == 2:
        images, labels = data
    else:
        images, labels = data, None
    images = np.asarray(images)
    if images.ndim not in (3, 4) or (images.ndim == 4 and images.shape[3] not in (1, 3, 4)):
        raise DataValidationError(f"the {name} images must have shape (N, H, W) or (N, H, W, C) with C = 1, 3 or 4, "
                                  f"got {images.shape}")
    if images.dtype.kind not in "uif":
        raise DataValidationError(f"the {name} images must hold numbers, got dtype {images.dtype}")
    if len(images) == 0:
        raise DataValidationError(f"the {name} set holds no images")
    if images.dtype.kind == "f" and not np.isfinite(images).all():
        raise DataValidationError(f"the {name} images hold NaN or infinite values; replace or drop those images")
    if labels is not None:
        labels = np.asarray(labels)
        if labels.shape != (len(images),):
            raise DataValidationError(f"the {name} set has {len(images)} images but labels of shape {labels.shape}; "
                                      "give one label per image")
        if labels.dtype.kind not in "iuUSb":
            raise DataValidationError(f"the {name} labels must be integers or strings, got dtype {labels.dtype}")
        if class_names is not None and labels.dtype.kind in "iu":
            names = np.asarray(list(class_names))
            if labels.min() < 0 or labels.max() >= len(names):
                raise DataValidationError(f"the {name} labels must index its {len(names)} class names")
            labels = names[labels]
    return Images(images, labels, name, None if class_names is None else tuple(map(str, class_names)))


def _as_real_classes(labels: np.ndarray, real: Images, name: str) -> np.ndarray:
    """Integer indices -> the real class names, when the real labels are names and these are not."""
    if real.class_names is not None and labels.dtype.kind in "iu" and real.labels is not None \
            and real.labels.dtype.kind in "US":
        if labels.min() >= 0 and labels.max() < len(real.class_names):
            return np.asarray(real.class_names)[labels]
    return labels


def check_sets(train: Images, synthetic: Images, holdout: Images | None) -> tuple[Images, Images | None]:
    """Check the three sets agree (sizes, channels, labels); returns synthetic and holdout with comparable labels.

    Raises
    ------
    DataValidationError
        Image sizes or channels differ; the synthetic images carry labels but the real ones do
        not; the holdout lacks labels the training images have; labels name classes the real
        training images do not have.
    """
    def describe(s: Images) -> str:
        h, w, c = s.shape
        return f"{w}x{h} {'grey' if c == 1 else 'colour'}"

    for other in (synthetic, holdout):
        if other is not None and other.shape != train.shape:
            raise DataValidationError(
                f"the {other.name} images are {describe(other)} but the {train.name} images are {describe(train)}; "
                "compare images of one size and colour mode (sample at the real size, or resize/convert one side)")
    if train.labels is None:
        if synthetic.labels is not None:
            raise DataValidationError(
                f"the {synthetic.name} images carry labels but the {train.name} images have none, so the requested "
                "classes cannot be checked; give the real labels (an .npz 'labels' array, or one subfolder per class)")
        return synthetic, holdout
    if holdout is not None and holdout.labels is None:
        raise DataValidationError(
            f"the {holdout.name} images have no labels but the {train.name} images do; give the holdout's labels too "
            "(the real-trained classifier's accuracy on them is the yardstick of the class-conditional accuracy)")
    classes = set(train.labels.tolist())
    out = []
    for other in (synthetic, holdout):
        if other is None or other.labels is None:
            out.append(other)
            continue
        labels = _as_real_classes(other.labels, train, other.name)
        if labels.dtype.kind != train.labels.dtype.kind and {labels.dtype.kind, train.labels.dtype.kind} != {"i", "u"}:
            raise DataValidationError(f"the {other.name} labels are {labels.dtype} but the {train.name} labels are "
                                      f"{train.labels.dtype}; label both sets the same way (class numbers or names)")
        unknown = sorted(set(labels.tolist()) - classes, key=str)
        if unknown:
            raise DataValidationError(
                f"the {other.name} labels include {len(unknown)} class(es) the {train.name} images do not have "
                f"({', '.join(map(str, unknown[:5]))}{', ...' if len(unknown) > 5 else ''}); real classes: "
                f"{', '.join(map(str, sorted(classes, key=str)[:10]))}")
        out.append(Images(other.images, labels, other.name, other.class_names))
    return out[0], out[1]
