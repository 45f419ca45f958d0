"""The contract of every sequence model (GAN and baselines alike).

A sequence model learns from :class:`~synthgan.core.encoded.EncodedData` whose temporal
part holds *whole* series, one item per series (an entity, or a segment of one):

* ``temporal``: ``(n_series, max_steps, width)`` float32, padded after ``lengths[i]``
  valid steps; the values are in the sequence encoder's space (e.g. standardised log
  returns, one-hot categories). The model windows them itself if it trains on windows.
* ``static`` (optional): ``(n_series, static_width)`` float32, the encoded attributes
  that do not change within a series (a station, a ticker).

:meth:`SequenceModel.sample` draws ``n`` paths of any ``length`` (longer than anything seen
in training when the model can continue a path) and returns them as ``EncodedData`` in
the same space: ``temporal`` ``(n, length, width)`` and, when the model was fitted with a
static part, ``static`` ``(n, static_width)``. ``condition`` is one encoded static vector
(``(static_width,)``) that every path shares; models that cannot condition raise
:class:`~synthgan.errors.ConditionError`.
"""

from __future__ import annotations

from abc import abstractmethod
from typing import Any

import numpy as np

from synthgan.core.encoded import EncodedData
from synthgan.core.model import BaseModel
from synthgan.errors import ConfigError, DataValidationError


class SequenceModel(BaseModel):
    """Base of the sequence models; see the module docstring for the data contract."""

    @abstractmethod
    def sample(self, n: int, *, length: int | None = None, seed: int | None = None, condition: Any = None) -> EncodedData:  # type: ignore[override]
        """``n`` encoded paths of ``length`` steps (default: the longest training series)."""


def check_sequence_data(data: Any, *, model: str) -> EncodedData:
    """The fit input of a sequence model, checked: EncodedData with a temporal part."""
    if not isinstance(data, EncodedData) or data.temporal is None:
        raise ConfigError(f"{model}: fit takes EncodedData with a temporal part (n_series, steps, width); encode the series first")
    if not np.isfinite(data.temporal).all():
        raise DataValidationError(f"{model}: the encoded series hold NaN or infinite values; the encoder must fill them (with a missing-value indicator)")
    return data


def check_length(length: Any, default: int, *, model: str) -> int:
    """A path length: a positive int, or ``default`` when ``None``."""
    if length is None:
        return int(default)
    if isinstance(length, bool) or not isinstance(length, (int, np.integer)) or length < 1:
        raise ConfigError(f"{model}: length must be a positive integer number of steps, got {length!r}")
    return int(length)
