"""The one encoded-data contract between a kind's encoder and the models: static and temporal parts.

Every kind of data reaches a model as :class:`EncodedData`:

* ``static`` (``(n_items, ...)`` float32): one entry per item, an item being a table row,
  an image (``(n, C, H, W)``) or a sequence's attributes that do not change over time.
* ``temporal`` (``(n_items, max_steps, width)`` float32), optional: the time-varying
  features of each item, padded after ``lengths[i]`` valid steps (DoppelGANger's split of
  attributes and features).
* ``labels`` (``(n_items,)`` int64), optional: each item's class index, ``0 .. n_classes - 1``,
  for models that learn one distribution per class (class-conditional image models).

A table is the static-only case. ``static_spec`` and ``temporal_spec`` describe the columns
of each part in the kind's own terms (tables: a :class:`~synthgan.tabular.layout.Layout`);
the core never looks inside them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from synthgan.errors import DataValidationError


@dataclass(frozen=True)
class EncodedData:
    """Encoded items: a static part, a temporal part, or both (see the module docstring)."""

    static: np.ndarray | None = None
    temporal: np.ndarray | None = None
    lengths: np.ndarray | None = None
    static_spec: Any = None
    temporal_spec: Any = None
    labels: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.static is None and self.temporal is None:
            raise DataValidationError("encoded data needs a static part, a temporal part or both; encode the data first")
        if self.temporal is not None:
            if np.ndim(self.temporal) != 3:
                raise DataValidationError(f"the temporal part must have shape (items, steps, features), got {np.shape(self.temporal)}")
            lengths = self.lengths if self.lengths is not None else np.full(len(self.temporal), self.temporal.shape[1])
            lengths = np.asarray(lengths)
            if lengths.shape != (len(self.temporal),) or (lengths < 1).any() or (lengths > self.temporal.shape[1]).any():
                raise DataValidationError(f"lengths must give 1..{self.temporal.shape[1]} valid steps for each of the {len(self.temporal)} items")
            object.__setattr__(self, "lengths", lengths.astype(np.int64))
        if self.static is not None and self.temporal is not None and len(self.static) != len(self.temporal):
            raise DataValidationError(f"static ({len(self.static)}) and temporal ({len(self.temporal)}) parts must hold the same items")
        if self.labels is not None:
            labels = np.asarray(self.labels)
            if labels.shape != (self.n_items,) or labels.dtype.kind not in "iu" or (labels < 0).any():
                raise DataValidationError(f"labels must be one class index >= 0 per item, shape ({self.n_items},), "
                                          f"got {labels.dtype} of shape {labels.shape}")
            object.__setattr__(self, "labels", labels.astype(np.int64, copy=False))

    @property
    def n_items(self) -> int:
        return len(self.static) if self.static is not None else len(self.temporal)

    @property
    def is_static_only(self) -> bool:
        """True for tables (and images): no temporal part."""
        return self.temporal is None

    def take(self, items: np.ndarray) -> "EncodedData":
        """The items at positions ``items`` (a split by entity keeps whole sequences together)."""
        pick = (lambda a: None if a is None else a[items])
        return EncodedData(pick(self.static), pick(self.temporal), pick(self.lengths), self.static_spec, self.temporal_spec,
                           pick(self.labels))


def static_table(matrix: np.ndarray, layout: Any) -> EncodedData:
    """A table: the static-only case."""
    return EncodedData(static=matrix, static_spec=layout)
