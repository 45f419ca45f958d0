"""ImageEncoder: images in their file convention <-> float32 NCHW in [-1, 1]; labels <-> class indices.

It remembers what it was fitted on, so that sampled images come back exactly in the
input's convention:

* layout: ``(N, H, W)`` (grey, no channel axis) or ``(N, H, W, C)``;
* dtype (``uint8``, ``int64``, ``float32``, ...);
* value range: ``uint8`` -> 0..255; other integers -> the observed minimum and maximum
  (scikit-learn's digits: 0..16); floats -> [0, 1] or [-1, 1] when they lie within it, else
  the observed minimum and maximum. Decoded values are clipped to the range (integers
  rounded), so a uint8 image survives a round trip exactly;
* labels: the sorted distinct labels (integers or strings) are the classes, index ``i`` is
  ``classes_[i]``; a folder's ``class_names`` are kept, so conditions may name a class by
  its folder name.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from synthgan.errors import ConditionError, ConfigError, DataValidationError, NotFittedError
from synthgan.images.io import ImageSet

__all__ = ["ImageEncoder"]


def _value_range(images: np.ndarray) -> tuple[float, float]:
    if images.dtype == np.uint8:
        return 0.0, 255.0
    low, high = float(images.min()), float(images.max())
    if images.dtype.kind == "f":
        if low >= 0.0 and high <= 1.0:
            return 0.0, 1.0
        if low >= -1.0 and high <= 1.0:
            return -1.0, 1.0
    if high <= low:
        high = low + 1.0  # a constant set: any non-empty range decodes it back
    return low, high


class ImageEncoder:
    """Images <-> float32 ``(N, C, H, W)`` in [-1, 1]; labels <-> class indices (see the module docstring).

    Attributes
    ----------
    dtype_ : numpy.dtype
    value_range_ : (float, float)
        Pixel values mapped to -1 and 1.
    channels_axis_ : bool
        The input had a channel axis (``(N, H, W, C)``).
    shape_ : (C, H, W)
    classes_ : ndarray or None
        Sorted distinct labels (None: fitted without labels).
    class_names_ : list of str or None
        A folder's class names (label ``i`` is ``class_names_[i]``).
    """

    def __init__(self) -> None:
        self.dtype_: np.dtype | None = None

    # ---------------------------------------------------------------- fitting
    def fit(self, data: ImageSet) -> "ImageEncoder":
        """Learn the convention of ``data`` (an :class:`~synthgan.images.io.ImageSet`)."""
        images = data.images
        self.dtype_ = images.dtype
        self.value_range_ = _value_range(images)
        self.channels_axis_ = images.ndim == 4
        self.shape_ = (images.shape[3] if images.ndim == 4 else 1, images.shape[1], images.shape[2])
        self.classes_ = None if data.labels is None else np.unique(data.labels)
        self.class_names_ = None if data.class_names is None else [str(c) for c in data.class_names]
        if self.classes_ is not None and self.class_names_ is not None and (
                self.classes_.dtype.kind not in "iu" or self.classes_.min() < 0 or self.classes_.max() >= len(self.class_names_)):
            raise DataValidationError(f"{data.source}: labels must index the {len(self.class_names_)} class names")
        return self

    def _check(self) -> None:
        if self.dtype_ is None:
            raise NotFittedError("This ImageEncoder instance is not fitted yet. Call 'fit' with your images before using it.")

    @property
    def n_classes_(self) -> int:
        self._check()
        return 0 if self.classes_ is None else len(self.classes_)

    # -------------------------------------------------------------- transform
    def transform(self, images: np.ndarray) -> np.ndarray:
        """Images in the fitted convention -> float32 ``(N, C, H, W)`` in [-1, 1]."""
        self._check()
        expected = (self.shape_[1], self.shape_[2]) + ((self.shape_[0],) if self.channels_axis_ else ())
        if images.shape[1:] != expected:
            raise DataValidationError(f"images of shape {images.shape[1:]} do not match the fitted ones {expected}")
        low, high = self.value_range_
        x = images.astype(np.float32)
        x = np.clip((x - np.float32(low)) * np.float32(2.0 / (high - low)) - np.float32(1.0), -1.0, 1.0)
        x = x[:, None] if x.ndim == 3 else x.transpose(0, 3, 1, 2)
        return np.ascontiguousarray(x, dtype=np.float32)

    def inverse_transform(self, x: np.ndarray) -> np.ndarray:
        """Float ``(N, C, H, W)`` in [-1, 1] -> images in the fitted dtype, range and layout."""
        self._check()
        if x.ndim != 4 or tuple(x.shape[1:]) != tuple(self.shape_):
            raise DataValidationError(f"encoded images must have shape (n, {', '.join(map(str, self.shape_))}), got {x.shape}")
        low, high = self.value_range_
        values = (np.clip(x.astype(np.float64), -1.0, 1.0) + 1.0) * ((high - low) / 2.0) + low
        values = values.transpose(0, 2, 3, 1) if self.channels_axis_ else values[:, 0]
        if self.dtype_.kind in "iu":
            values = np.clip(np.rint(values), low, high)
        return np.ascontiguousarray(values.astype(self.dtype_))

    # ----------------------------------------------------------------- labels
    def encode_labels(self, labels: np.ndarray) -> np.ndarray:
        """Labels -> class indices (int64)."""
        self._check()
        if self.classes_ is None:
            raise ConfigError("this encoder was fitted without labels")
        index = np.searchsorted(self.classes_, labels)
        index = np.clip(index, 0, len(self.classes_) - 1)
        if not (self.classes_[index] == labels).all():
            raise DataValidationError("labels hold values not seen at fit")
        return index.astype(np.int64)

    def decode_labels(self, index: np.ndarray) -> np.ndarray:
        """Class indices -> labels in the fitted dtype."""
        self._check()
        return self.classes_[np.asarray(index, dtype=np.int64)]

    def class_index(self, value: Any) -> int:
        """The class index a condition names: a label (``3``, ``"3"``, ``"cat"``) or a folder's class name.

        Raises
        ------
        ConditionError
            Fitted without labels, or no class has that label or name.
        """
        self._check()
        if self.classes_ is None:
            raise ConditionError("the model was fitted without labels: it cannot generate a chosen label; "
                                 "fit it on labelled images (an .npz with 'labels', or one subfolder per class)")
        text = str(value).strip()
        if self.class_names_ is not None and text in self.class_names_:
            return int(np.flatnonzero(self.classes_ == self.class_names_.index(text))[0])
        matches = [i for i, label in enumerate(self.classes_.tolist()) if label == value or str(label) == text]
        if not matches:
            names = self.class_names_ if self.class_names_ is not None else [str(c) for c in self.classes_.tolist()]
            shown = ", ".join(names[:20]) + (", ..." if len(names) > 20 else "")
            raise ConditionError(f"label {value!r} is not one of the {len(names)} classes the model learned ({shown})")
        return matches[0]

    def class_label(self, index: int) -> str:
        """How messages and folders name class ``index``: its folder name, else its label."""
        label = self.classes_[index]
        if self.class_names_ is not None:
            return self.class_names_[int(label)]
        return str(label.item() if hasattr(label, "item") else label)

    # ------------------------------------------------------------ persistence
    def to_state(self) -> dict[str, Any]:
        """JSON-safe state (model files)."""
        self._check()
        classes = None
        if self.classes_ is not None:
            classes = {"kind": "str" if self.classes_.dtype.kind == "U" else "int", "values": self.classes_.tolist(),
                       "dtype": str(self.classes_.dtype)}
        return {"dtype": str(self.dtype_), "value_range": [float(v) for v in self.value_range_],
                "channels_axis": bool(self.channels_axis_), "shape": [int(s) for s in self.shape_],
                "classes": classes, "class_names": self.class_names_}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> "ImageEncoder":
        """Rebuild a fitted encoder from :meth:`to_state` (raises ValueError/KeyError/TypeError when malformed)."""
        enc = cls()
        dtype = np.dtype(state["dtype"])
        if dtype.kind not in "uif":
            raise ValueError(f"image dtype {dtype} is not numeric")
        low, high = (float(v) for v in state["value_range"])
        shape = tuple(int(s) for s in state["shape"])
        if not high > low or len(shape) != 3 or min(shape) < 1 or shape[0] not in (1, 3, 4):
            raise ValueError("inconsistent image encoder state")
        enc.dtype_, enc.value_range_, enc.shape_ = dtype, (low, high), shape
        enc.channels_axis_ = bool(state["channels_axis"])
        classes = state["classes"]
        enc.classes_ = None if classes is None else np.asarray(classes["values"], dtype=np.dtype(classes["dtype"]))
        if enc.classes_ is not None and (enc.classes_.ndim != 1 or len(enc.classes_) == 0):
            raise ValueError("classes must be a non-empty list")
        names = state["class_names"]
        enc.class_names_ = None if names is None else [str(n) for n in names]
        return enc
